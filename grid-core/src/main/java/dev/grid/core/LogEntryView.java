package dev.grid.core;

import dev.grid.sbe.EntryType;
import dev.grid.sbe.LogEntryDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A zero-copy view of one encoded log entry. {@link #wrapAndVerify} is the way in for bytes from outside (a peer,
 * the disk): it checks the structure against the schema and the checksum, and reports a {@link DecodeError} code
 * instead of throwing. The view is valid until the bytes under it change; it allocates nothing.
 */
public final class LogEntryView
{
    /** The template id of {@code LogEntry}. */
    public static final int TEMPLATE_ID = LogEntryDecoder.TEMPLATE_ID;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final LogEntryDecoder decoder = new LogEntryDecoder();
    private final MessageChecksum checksum = new MessageChecksum();
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    private DirectBuffer buffer;
    private int offset;
    private int encodedLength;
    private int payloadOffset;

    /**
     * Validates the entry at offset and, if it is whole and its checksum matches, wraps it.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the bytes available from offset; the entry may be shorter.
     * @return the entry's encoded length, or a negative {@link DecodeError#code()} (the view is then unchanged).
     */
    public int wrapAndVerify(final DirectBuffer buffer, final int offset, final int length)
    {
        final int result = MessageBounds.instance().check(buffer, offset, length, TEMPLATE_ID);
        if (result < 0)
        {
            return result;
        }
        if (!checksum.verify(buffer, offset, result))
        {
            return DecodeError.CHECKSUM_MISMATCH.code();
        }
        wrapVerified(buffer, offset, result);
        return result;
    }

    /**
     * Wraps an entry that was verified before (by {@link #wrapAndVerify} or by the writer that produced it).
     *
     * @param buffer        holding the entry.
     * @param offset        of the entry's message header.
     * @param encodedLength of the whole entry.
     * @return this view.
     */
    public LogEntryView wrapVerified(final DirectBuffer buffer, final int offset, final int encodedLength)
    {
        decoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        this.buffer = buffer;
        this.offset = offset;
        this.encodedLength = encodedLength;
        final int lengthOffset = decoder.limit();
        final int payloadLength = buffer.getInt(lengthOffset, ByteOrder.LITTLE_ENDIAN);
        payloadOffset = lengthOffset + LogEntryWriter.PAYLOAD_LENGTH_FIELD;
        payload.wrap(buffer, payloadOffset, payloadLength);
        return this;
    }

    public long term()
    {
        return decoder.term();
    }

    public long index()
    {
        return decoder.index();
    }

    /**
     * @return the leader's clock, in nanoseconds, when it appended the entry: the only time state machines see.
     */
    public long timestamp()
    {
        return decoder.timestamp();
    }

    public EntryType entryType()
    {
        return decoder.entryType();
    }

    public int serviceId()
    {
        return decoder.serviceId();
    }

    public long sessionId()
    {
        return decoder.sessionId();
    }

    public long requestSequence()
    {
        return decoder.requestSequence();
    }

    public int checksum()
    {
        return (int)decoder.checksum();
    }

    /**
     * @return the payload, as a view over the entry's bytes.
     */
    public DirectBuffer payload()
    {
        return payload;
    }

    /**
     * @return the payload's offset in {@link #buffer()}.
     */
    public int payloadOffset()
    {
        return payloadOffset;
    }

    public int payloadLength()
    {
        return payload.capacity();
    }

    /**
     * @return the buffer holding the whole encoded entry, for copying it on (replication) without re-encoding.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    public int encodedLength()
    {
        return encodedLength;
    }

    public String toString()
    {
        return null == buffer ? "LogEntry{unwrapped}" :
            "LogEntry{index=" + index() + ", term=" + term() + ", type=" + entryType() + ", service=" + serviceId() +
            ", session=" + sessionId() + ", seq=" + requestSequence() + ", timestamp=" + timestamp() +
            ", payload=" + payloadLength() + "B}";
    }
}
