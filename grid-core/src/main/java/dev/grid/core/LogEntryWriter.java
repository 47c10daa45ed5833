package dev.grid.core;

import dev.grid.sbe.EntryType;
import dev.grid.sbe.LogEntryEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes log entries, sealed with their checksum. One instance per thread; it allocates nothing.
 */
public final class LogEntryWriter
{
    /** Size of the payload's length prefix. */
    public static final int PAYLOAD_LENGTH_FIELD = Integer.BYTES;
    /** Encoded length of an entry with an empty payload. */
    public static final int EMPTY_ENTRY_LENGTH =
        MessageHeaderEncoder.ENCODED_LENGTH + LogEntryEncoder.BLOCK_LENGTH + PAYLOAD_LENGTH_FIELD;

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final LogEntryEncoder encoder = new LogEntryEncoder();
    private final MessageChecksum checksum = new MessageChecksum();

    /**
     * @param payloadLength of the command.
     * @return the encoded length of an entry carrying it.
     */
    public static int encodedLength(final int payloadLength)
    {
        return EMPTY_ENTRY_LENGTH + payloadLength;
    }

    /**
     * Encodes one entry at offset.
     *
     * @return the encoded length.
     */
    public int write(
        final MutableDirectBuffer buffer,
        final int offset,
        final long term,
        final long index,
        final long timestamp,
        final EntryType entryType,
        final int serviceId,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        encoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .checksum(0)
            .serviceId(serviceId)
            .term(term)
            .index(index)
            .timestamp(timestamp)
            .sessionId(sessionId)
            .requestSequence(requestSequence)
            .entryType(entryType)
            .putPayload(payload, payloadOffset, payloadLength);
        final int length = encoder.limit() - offset;
        checksum.seal(buffer, offset, length);
        return length;
    }
}
