package dev.grid.consensus;

import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;

/**
 * Answers for clients, given by the node that is leader when the answer is known. Followers apply the same entries
 * silently: a client that lost its leader retries at the new one and gets the cached answer. Buffers are valid only
 * during the call.
 */
public interface ClientEgress
{
    /** The service id answers about sessions carry. */
    int SESSION_SERVICE_ID = -1;

    /**
     * A session was opened, or refused.
     *
     * @param correlationId the client's id for the request.
     * @param sessionId     the new session (the log index that opened it), or 0 when refused.
     * @param status        OK, or LIMIT_EXCEEDED when the session table is full.
     */
    void onSessionOpened(long correlationId, long sessionId, Status status);

    /**
     * The outcome of a command, of a keep-alive or of a close. A command's response is the state machine's own
     * message; it is also what a retry with the same sequence gets.
     *
     * @param sessionId       the session.
     * @param requestSequence the request's sequence (the correlation id for keep-alive and close).
     * @param logIndex        the entry that applied the request, 0 if none did.
     * @param serviceId       the service answering, {@link #SESSION_SERVICE_ID} for session requests.
     * @param status          OK when the service answered (its status is in its message), or why consensus refused.
     * @param buffer          holding the service's response.
     * @param offset          of the response.
     * @param length          of the response, 0 for none.
     */
    void onResponse(
        long sessionId,
        long requestSequence,
        long logIndex,
        int serviceId,
        Status status,
        DirectBuffer buffer,
        int offset,
        int length);

    /**
     * A linearizable read may now be served from the local state machines: leadership was confirmed by a majority
     * after the read arrived, and the node has applied the read index.
     *
     * @param correlationId the caller's id for the read.
     * @param readIndex     the commit index the read waited for.
     */
    void onReadReady(long correlationId, long readIndex);

    /**
     * A read cannot be served here.
     *
     * @param correlationId the caller's id for the read.
     * @param status        NOT_LEADER when leadership was lost before it was confirmed.
     */
    void onReadFailed(long correlationId, Status status);
}
