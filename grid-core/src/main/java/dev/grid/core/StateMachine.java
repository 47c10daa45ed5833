package dev.grid.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A replicated service fed by the log: a cache, the lock table, or a test register. The node's single writer
 * thread is the only caller.
 * <p>
 * Rules an implementation must keep (ARCHITECTURE.md, rules 1-4):
 * <ul>
 *     <li>Apply is a pure function of the log: time is the entry's leader timestamp, never a clock; iteration
 *     orders are defined; there is no randomness. Two replicas that applied the same entries return the same
 *     {@link #checksum()}.</li>
 *     <li>Apply allocates nothing in steady state and never grows memory past the budget fixed at start: when full
 *     it evicts or answers an error status in its response.</li>
 *     <li>Bad input gets an error response; it never throws and never changes stored state.</li>
 * </ul>
 */
public interface StateMachine
{
    /**
     * Applies one committed command.
     *
     * @param index           the Raft index of the entry; lock grants use it as their fencing token.
     * @param timestamp       the leader's timestamp of the entry, in nanoseconds; the only clock apply may use.
     * @param sessionId       the client session that sent the command.
     * @param requestSequence the session's sequence number of the request; with sessionId it names the request
     *                        for a {@link DeferredResponses} answer given later.
     * @param command         buffer holding the command (an SBE message of this service).
     * @param offset          of the command in the buffer.
     * @param length          of the command.
     * @param response        where to write the response (an SBE message of this service).
     * @param responseOffset  where the response starts; it may use up to {@code response.capacity()}.
     * @return the length of the response written, 0 for none. A request answered later (a queued lock request)
     * answers now with a PENDING status and later through {@link DeferredResponses}.
     */
    int apply(
        long index,
        long timestamp,
        long sessionId,
        long requestSequence,
        DirectBuffer command,
        int offset,
        int length,
        MutableDirectBuffer response,
        int responseOffset);

    /**
     * Log time has reached {@code timestamp} at {@code index}. Called for every applied entry, whatever it carries
     * and whichever service it is for, before the entry's own apply: TTL sweeps and wait deadlines advance on it.
     *
     * @param index     of the entry being applied.
     * @param timestamp its leader timestamp, never lower than the last one.
     */
    default void onLogTime(final long index, final long timestamp)
    {
    }

    /**
     * A client session closed or expired (in log time); what it held is released.
     *
     * @param index     of the entry that closed or expired the session.
     * @param timestamp of that entry.
     * @param sessionId the session.
     */
    default void onSessionClosed(final long index, final long timestamp, final long sessionId)
    {
    }

    /**
     * Writes the whole state. Restoring it on another replica must give the same {@link #checksum()}.
     *
     * @param writer to write to.
     */
    void snapshot(SnapshotWriter writer);

    /**
     * Replaces the whole state with a snapshot written by {@link #snapshot}.
     *
     * @param reader to read from.
     * @throws GridException with status MALFORMED if the snapshot is not one this machine wrote.
     */
    void restore(SnapshotReader reader);

    /**
     * @return a checksum of the replicated state (see {@link StateChecksum}); equal on replicas that applied the
     * same log prefix.
     */
    long checksum();
}
