package dev.grid.locks;

import java.util.Comparator;

/**
 * A late answer the lock table gave through {@code DeferredResponses}.
 */
record Deferred(long sessionId, long requestSequence, Answer answer)
{
    /** Answers given at one entry are for distinct requests; this order makes their list canonical. */
    static final Comparator<Deferred> BY_REQUEST =
        Comparator.comparingLong(Deferred::sessionId).thenComparingLong(Deferred::requestSequence);
}
