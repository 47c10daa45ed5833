package dev.grid.core;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OffHeapMemoryTest
{

    @Test
    void regionIsZeroedAlignedToACacheLineAndWritableToItsLastByte()
    {
        try (OffHeapMemory memory = OffHeapMemory.allocate(3 * OffHeapMemory.HUGE_PAGE_LENGTH + 5, false))
        {
            final UnsafeBuffer buffer = memory.buffer();
            assertThat(buffer.capacity()).isEqualTo(3 * OffHeapMemory.HUGE_PAGE_LENGTH + 5);
            assertThat(buffer.addressOffset() % BitUtil.CACHE_LINE_LENGTH).isZero();
            assertThat(memory.hugePagesAdvised()).isFalse();
            for (int i = 0; i < buffer.capacity(); i += 4093)
            {
                assertThat(buffer.getByte(i)).isZero();
            }
            buffer.putByte(buffer.capacity() - 1, (byte)7);
            assertThat(buffer.getByte(buffer.capacity() - 1)).isEqualTo((byte)7);
        }
    }

    @Test
    void regionSmallerThanAHugePageIsNotAdvised()
    {
        try (OffHeapMemory memory = OffHeapMemory.allocate(OffHeapMemory.HUGE_PAGE_LENGTH - 1, true))
        {
            assertThat(memory.hugePagesAdvised()).isFalse();
            assertThat(memory.buffer().addressOffset() % BitUtil.CACHE_LINE_LENGTH).isZero();
        }
    }

    @Test
    void advisedRegionIsBackedByHugePagesWhereTheKernelOffersThem() throws IOException
    {
        assumeTrue(OffHeapMemory.kernelOffersHugePages(), "transparent huge pages are off or missing");
        final String mode = Files.readString(OffHeapMemory.TRANSPARENT_HUGE_PAGE_MODE);

        try (OffHeapMemory advised = OffHeapMemory.allocate(8 * OffHeapMemory.HUGE_PAGE_LENGTH, true))
        {
            final long address = advised.buffer().addressOffset();
            assertThat(advised.hugePagesAdvised()).isTrue();
            assertThat(address % OffHeapMemory.HUGE_PAGE_LENGTH).isZero();
            assertThat(anonHugePagesKb(address)).isGreaterThanOrEqualTo(OffHeapMemory.HUGE_PAGE_LENGTH / 1024);
            assertThat(advised.buffer().getLong(advised.buffer().capacity() - 8)).isZero();
        }
        if (mode.contains("[madvise]"))
        {
            try (OffHeapMemory plain = OffHeapMemory.allocate(8 * OffHeapMemory.HUGE_PAGE_LENGTH, false))
            {
                assertThat(anonHugePagesKb(plain.buffer().addressOffset())).isZero();
            }
        }
    }

    @Test
    void emptyRegionIsRefused()
    {
        assertThatThrownBy(() -> OffHeapMemory.allocate(0, true))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("at least 1");
    }

    /**
     * Closing twice must free once: owners close in more than one path (a failed start, then the node's close). A
     * second free of the same block aborts the process (glibc detects the double free), so the test fails by taking
     * the test JVM down, not by an assertion.
     */
    @Test
    void closeTwiceFreesOnce()
    {
        final OffHeapMemory memory = OffHeapMemory.allocate(128, false);
        memory.close();
        memory.close();
        try (OffHeapMemory next = OffHeapMemory.allocate(128, false))
        {
            next.buffer().putLong(0, 42);
            assertThat(next.buffer().getLong(0)).isEqualTo(42);
        }
    }

    /**
     * The kernel's count of huge-page-backed memory in the mapping that holds {@code address}.
     */
    private static long anonHugePagesKb(final long address) throws IOException
    {
        final List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inMapping = false;
        for (final String line : lines)
        {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+"))
            {
                final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                final long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inMapping = address >= start && address < end;
            }
            else if (inMapping && line.startsWith("AnonHugePages:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no mapping holds address " + Long.toHexString(address));
    }
}
