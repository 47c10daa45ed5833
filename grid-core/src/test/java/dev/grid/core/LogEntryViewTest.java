package dev.grid.core;

import dev.grid.sbe.EntryType;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LogEntryViewTest
{
    private final LogEntryWriter writer = new LogEntryWriter();
    private final LogEntryView view = new LogEntryView();
    private final UnsafeBuffer payload = new UnsafeBuffer("put k=v".getBytes(StandardCharsets.US_ASCII));

    private int write(final UnsafeBuffer buffer, final int offset)
    {
        return writer.write(buffer, offset, 3, 17, 123_456_789L, EntryType.COMMAND, 2, 99, 5, payload, 0, 7);
    }

    @Test
    void roundTripsEveryFieldOnHeapAndDirectBuffers()
    {
        for (final UnsafeBuffer buffer : new UnsafeBuffer[]{
            new UnsafeBuffer(new byte[256]), new UnsafeBuffer(BufferUtil.allocateDirectAligned(256, 64)) })
        {
            final int length = write(buffer, 13);

            assertThat(length).isEqualTo(LogEntryWriter.encodedLength(7));
            assertThat(view.wrapAndVerify(buffer, 13, 256 - 13)).isEqualTo(length);
            assertThat(view.term()).isEqualTo(3);
            assertThat(view.index()).isEqualTo(17);
            assertThat(view.timestamp()).isEqualTo(123_456_789L);
            assertThat(view.entryType()).isEqualTo(EntryType.COMMAND);
            assertThat(view.serviceId()).isEqualTo(2);
            assertThat(view.sessionId()).isEqualTo(99);
            assertThat(view.requestSequence()).isEqualTo(5);
            assertThat(view.payload().getStringWithoutLengthAscii(0, view.payloadLength())).isEqualTo("put k=v");
            assertThat(view.buffer().getStringWithoutLengthAscii(view.payloadOffset(), 7)).isEqualTo("put k=v");
            assertThat(view.offset()).isEqualTo(13);
            assertThat(view.encodedLength()).isEqualTo(length);
        }
    }

    @Test
    void heapAndDirectChecksumsAgree()
    {
        final UnsafeBuffer heap = new UnsafeBuffer(new byte[128]);
        final UnsafeBuffer direct = new UnsafeBuffer(BufferUtil.allocateDirectAligned(128, 64));
        write(heap, 0);
        write(direct, 0);

        assertThat(view.wrapAndVerify(heap, 0, 128)).isPositive();
        final int heapChecksum = view.checksum();
        assertThat(view.wrapAndVerify(direct, 0, 128)).isPositive();
        assertThat(view.checksum()).isEqualTo(heapChecksum);
    }

    @Test
    void everySingleBitFlipIsDetected()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final int length = write(buffer, 0);
        for (int bit = 0; bit < length * 8; bit++)
        {
            final int index = bit >> 3;
            final byte original = buffer.getByte(index);
            buffer.putByte(index, (byte)(original ^ (1 << (bit & 7))));

            assertThat(view.wrapAndVerify(new UnsafeBuffer(buffer, 0, length), 0, length))
                .as("bit %d", bit)
                .isNegative();

            buffer.putByte(index, original);
        }
        assertThat(view.wrapAndVerify(buffer, 0, length)).isEqualTo(length);
    }

    @Test
    void aChecksumMismatchLeavesTheViewOnTheLastGoodEntry()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final int first = write(buffer, 0);
        assertThat(view.wrapAndVerify(buffer, 0, first)).isEqualTo(first);
        final int second = writer.write(buffer, first, 4, 18, 1, EntryType.NOOP, 0, 0, 0, payload, 0, 0);
        buffer.putByte(first + MessageChecksum.COVERED_OFFSET + 4, (byte)0x7F);

        assertThat(view.wrapAndVerify(buffer, first, second)).isEqualTo(DecodeError.CHECKSUM_MISMATCH.code());
        assertThat(view.index()).isEqualTo(17);
    }
}
