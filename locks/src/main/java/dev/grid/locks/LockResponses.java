package dev.grid.locks;

import dev.grid.sbe.LockResponseEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Writes {@code LockResponse}, the one answer every lock command gets: the status, the entry that produced it, and
 * the lock as it stands after the command (holder, token, hold count, queue length; zeros when the lock is free).
 * <p>
 * The answer is on every apply's path, so it is written without a flyweight: the message header never changes and
 * is encoded once, by the generated {@link MessageHeaderEncoder}, into {@link #HEADER}, then stored with one write;
 * the fields go straight to the generated encoder's offsets. The bytes are exactly those the generated
 * {@link LockResponseEncoder} writes (the tests decode every answer with the generated decoder).
 */
final class LockResponses
{
    /** Encoded length of a response, header included. */
    static final int LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + LockResponseEncoder.BLOCK_LENGTH;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    /** The response's message header (block length, template, schema, version) as one little-endian word. */
    static final long HEADER = encodedHeader();

    private static final int BLOCK = MessageHeaderEncoder.ENCODED_LENGTH;
    private static final int STATUS = BLOCK + LockResponseEncoder.statusEncodingOffset();
    private static final int LOG_INDEX = BLOCK + LockResponseEncoder.logIndexEncodingOffset();
    private static final int TOKEN = BLOCK + LockResponseEncoder.tokenEncodingOffset();
    private static final int HOLDER_SESSION = BLOCK + LockResponseEncoder.holderSessionIdEncodingOffset();
    private static final int HOLDER_OWNER = BLOCK + LockResponseEncoder.holderOwnerIdEncodingOffset();
    private static final int HOLD_COUNT = BLOCK + LockResponseEncoder.holdCountEncodingOffset();
    private static final int WAITER_COUNT = BLOCK + LockResponseEncoder.waiterCountEncodingOffset();

    private LockResponses()
    {
    }

    /**
     * Writes a whole response, header included.
     *
     * @return {@link #LENGTH}.
     */
    static int encode(
        final MutableDirectBuffer buffer,
        final int offset,
        final Status status,
        final long logIndex,
        final long token,
        final long holderSessionId,
        final long holderOwnerId,
        final int holdCount,
        final int waiterCount)
    {
        buffer.putLong(offset, HEADER, ORDER);
        return encodeBlock(buffer, offset, status, logIndex, token, holderSessionId, holderOwnerId, holdCount,
            waiterCount);
    }

    /**
     * Writes a response's fields behind a header already in the buffer (a buffer kept for answers, whose header was
     * written once by {@link #encode}).
     *
     * @return {@link #LENGTH}.
     */
    static int encodeBlock(
        final MutableDirectBuffer buffer,
        final int offset,
        final Status status,
        final long logIndex,
        final long token,
        final long holderSessionId,
        final long holderOwnerId,
        final int holdCount,
        final int waiterCount)
    {
        buffer.putByte(offset + STATUS, (byte)status.value());
        buffer.putLong(offset + LOG_INDEX, logIndex, ORDER);
        buffer.putLong(offset + TOKEN, token, ORDER);
        buffer.putLong(offset + HOLDER_SESSION, holderSessionId, ORDER);
        buffer.putLong(offset + HOLDER_OWNER, holderOwnerId, ORDER);
        buffer.putInt(offset + HOLD_COUNT, holdCount, ORDER);
        buffer.putInt(offset + WAITER_COUNT, waiterCount, ORDER);
        return LENGTH;
    }

    private static long encodedHeader()
    {
        if (MessageHeaderEncoder.ENCODED_LENGTH != Long.BYTES)
        {
            throw new IllegalStateException("the message header is no longer one word long");
        }
        final UnsafeBuffer header = new UnsafeBuffer(new byte[MessageHeaderEncoder.ENCODED_LENGTH]);
        new MessageHeaderEncoder()
            .wrap(header, 0)
            .blockLength(LockResponseEncoder.BLOCK_LENGTH)
            .templateId(LockResponseEncoder.TEMPLATE_ID)
            .schemaId(LockResponseEncoder.SCHEMA_ID)
            .version(LockResponseEncoder.SCHEMA_VERSION);
        return header.getLong(0, ORDER);
    }
}
