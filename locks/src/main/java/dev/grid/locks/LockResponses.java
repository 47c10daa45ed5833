package dev.grid.locks;

import dev.grid.sbe.LockResponseEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.MutableDirectBuffer;

/**
 * Writes {@code LockResponse}, the one answer every lock command gets: the status, the entry that produced it, and
 * the lock as it stands after the command (holder, token, hold count, queue length; zeros when the lock is free).
 */
final class LockResponses
{
    /** Encoded length of a response, header included. */
    static final int LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + LockResponseEncoder.BLOCK_LENGTH;

    private LockResponses()
    {
    }

    static int encode(
        final LockResponseEncoder encoder,
        final MessageHeaderEncoder headerEncoder,
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
        encoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .status(status)
            .logIndex(logIndex)
            .token(token)
            .holderSessionId(holderSessionId)
            .holderOwnerId(holderOwnerId)
            .holdCount(holdCount)
            .waiterCount(waiterCount);
        return LENGTH;
    }
}
