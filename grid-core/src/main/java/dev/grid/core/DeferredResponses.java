package dev.grid.core;

import org.agrona.DirectBuffer;

/**
 * How a {@link StateMachine} answers a request it applied earlier: a queued lock request granted, or timed out, at
 * a later entry. The consensus layer implements it: it records the answer as the request's cached response (so a
 * retry after a leader change gets the final answer, exactly once) and, on the leader, sends it to the client.
 * <p>
 * Call it only while applying an entry (from {@code apply}, {@code onLogTime} or {@code onSessionClosed}), so that
 * every replica gives the same answer at the same log index.
 */
@FunctionalInterface
public interface DeferredResponses
{
    /** For state machines that never answer late, and for tests that do not look. */
    DeferredResponses NONE = (serviceId, sessionId, requestSequence, response, offset, length) -> {};

    /**
     * @param serviceId       the service answering.
     * @param sessionId       the session that sent the request.
     * @param requestSequence the request's sequence in that session.
     * @param response        buffer holding the response (an SBE message of the service).
     * @param offset          of the response.
     * @param length          of the response.
     */
    void respond(int serviceId, long sessionId, long requestSequence, DirectBuffer response, int offset, int length);
}
