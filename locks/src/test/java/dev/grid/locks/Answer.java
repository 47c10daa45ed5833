package dev.grid.locks;

import dev.grid.sbe.LockResponseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;

/**
 * A decoded {@code LockResponse}, for tests.
 */
record Answer(
    Status status, long logIndex, long token, long holderSessionId, long holderOwnerId, int holdCount, int waiterCount)
{
    static Answer decode(final DirectBuffer buffer, final int offset, final int length)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        if (header.templateId() != LockResponseDecoder.TEMPLATE_ID || length != LockResponses.LENGTH)
        {
            throw new AssertionError("not a lock response: template " + header.templateId() + ", length " + length);
        }
        final LockResponseDecoder decoder = new LockResponseDecoder()
            .wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        return new Answer(decoder.status(), decoder.logIndex(), decoder.token(), decoder.holderSessionId(),
            decoder.holderOwnerId(), decoder.holdCount(), decoder.waiterCount());
    }

    static Answer free(final Status status, final long logIndex)
    {
        return new Answer(status, logIndex, 0, 0, 0, 0, 0);
    }

    boolean heldBy(final long sessionId, final long ownerId)
    {
        return holdCount > 0 && holderSessionId == sessionId && holderOwnerId == ownerId;
    }
}
