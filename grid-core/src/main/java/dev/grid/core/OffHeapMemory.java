package dev.grid.core;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import org.agrona.BitUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A region of direct memory allocated once at start: zeroed, every page already faulted in (so no page fault waits
 * for the kernel in steady state), aligned to a cache line, and, when asked for and the region spans at least one
 * huge page, aligned to 2 MiB and advised to the kernel as {@code MADV_HUGEPAGE}.
 * <p>
 * Why huge pages: a structure read at random positions over hundreds of MiB (a cache's records) misses the TLB on
 * almost every access, and in a virtual machine each miss walks two page tables. With 2 MiB pages the translations of
 * such a region fit in the TLB (the cache's JMH get hit: 5-22% faster, docs/benchmarks.md).
 * Linux's transparent huge pages are used in its {@code madvise} mode (the common default, where only advised memory
 * gets them); with {@code always} the advice changes nothing. Where the kernel's mode is {@code never}, or the advice
 * is unavailable (not Linux, no native access), the region is allocated without it and keeps 4 KiB pages:
 * {@link #hugePagesAdvised()} says which happened.
 * <p>
 * The cost: up to one huge page of memory beyond the region's length (its last page is faulted in whole) and up to
 * two of address space for the alignment.
 * <p>
 * Only {@link #close()} frees the memory: there is no cleaner to free it after garbage collection, since buffers
 * over it (a cache's readers hold them) do not keep this object reachable. It is not counted against
 * {@code -XX:MaxDirectMemorySize}.
 */
public final class OffHeapMemory implements AutoCloseable
{
    public static final int HUGE_PAGE_LENGTH = 2 << 20;
    /** Linux's {@code MADV_HUGEPAGE} (the same value on every architecture). */
    static final int MADV_HUGEPAGE = 14;
    /** The kernel's transparent huge page mode: {@code always [madvise] never}, the one in use in brackets. */
    static final Path TRANSPARENT_HUGE_PAGE_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private final long allocatedAddress;
    private final UnsafeBuffer buffer;
    private final boolean hugePagesAdvised;
    private boolean closed;

    private OffHeapMemory(final long allocatedAddress, final UnsafeBuffer buffer, final boolean hugePagesAdvised)
    {
        this.allocatedAddress = allocatedAddress;
        this.buffer = buffer;
        this.hugePagesAdvised = hugePagesAdvised;
    }

    /**
     * @param length    bytes, at least 1.
     * @param hugePages ask for huge pages if the region spans at least one (smaller regions would waste most of it).
     * @return the zeroed region; {@link #close()} frees it.
     */
    public static OffHeapMemory allocate(final int length, final boolean hugePages)
    {
        if (length < 1)
        {
            throw new IllegalArgumentException("off-heap region length must be at least 1: " + length);
        }
        final boolean adviseHugePages = hugePages && length >= HUGE_PAGE_LENGTH && null != Madvise.FUNCTION;
        final int alignment = adviseHugePages ? HUGE_PAGE_LENGTH : BitUtil.CACHE_LINE_LENGTH;
        final long alignedLength = BitUtil.align((long)length, alignment);
        final long allocatedAddress = UnsafeApi.allocateMemory(alignedLength + alignment);
        final long address = BitUtil.align(allocatedAddress, alignment);
        // Advised before the first touch: pages faulted in afterwards are huge; pages already faulted would wait
        // for the kernel's background collapse.
        final boolean advised = adviseHugePages && Madvise.hugePage(address, alignedLength);
        UnsafeApi.setMemory(address, length, (byte)0);
        return new OffHeapMemory(allocatedAddress, new UnsafeBuffer(address, length), advised);
    }

    /**
     * @return the region; valid until {@link #close()}.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return true if the kernel accepted the huge page advice for this region.
     */
    public boolean hugePagesAdvised()
    {
        return hugePagesAdvised;
    }

    /**
     * Frees the memory. Only once nothing reads it any more: a read of freed memory can crash the JVM.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            UnsafeApi.freeMemory(allocatedAddress);
        }
    }

    /**
     * @return whether the kernel backs memory with transparent huge pages, always or where advised.
     */
    public static boolean kernelOffersHugePages()
    {
        try
        {
            final String mode = Files.readString(TRANSPARENT_HUGE_PAGE_MODE);
            return mode.contains("[always]") || mode.contains("[madvise]");
        }
        catch (final IOException | SecurityException ex)
        {
            return false;
        }
    }

    /**
     * {@code madvise(2)} through JNA, looked up once; null where it cannot be called or would change nothing.
     */
    private static final class Madvise
    {
        static final Function FUNCTION = lookUp();

        private static Function lookUp()
        {
            if (!Platform.isLinux() || !Platform.is64Bit() || !kernelOffersHugePages())
            {
                return null;
            }
            try
            {
                return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("madvise");
            }
            catch (final LinkageError | RuntimeException ex)
            {
                return null;
            }
        }

        static boolean hugePage(final long address, final long length)
        {
            return 0 == FUNCTION.invokeInt(new Object[]{ new Pointer(address), length, MADV_HUGEPAGE });
        }
    }
}
