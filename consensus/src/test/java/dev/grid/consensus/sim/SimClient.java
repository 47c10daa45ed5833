package dev.grid.consensus.sim;

import dev.grid.core.StateMachine;
import dev.grid.sbe.Status;

import java.util.Map;

/**
 * A simulated client of the cluster: it sends requests through {@link SimulatedCluster}'s network and gets answers,
 * refusals and timer events back. Implementations record their history for the checkers.
 */
public interface SimClient
{
    int clientId();

    /**
     * The run starts; schedule the first action.
     */
    void start(SimulatedCluster cluster);

    void onTimer(long token);

    void onSessionOpened(long correlationId, long sessionId, Status status);

    void onResponse(long sessionId, long requestSequence, long logIndex, Status status, byte[] response);

    /**
     * A node refused a request at once (NOT_LEADER, LIMIT_EXCEEDED, ...).
     *
     * @param leaderHint the leader that node knows of, or -1.
     */
    void onRefused(long correlationOrSequence, Status status, int leaderHint);

    /**
     * Runs on the node when a linearizable read is ready: read the value from its services.
     */
    long evaluateRead(long correlationId, Map<Integer, StateMachine> services);

    void onReadResult(long correlationId, Status status, long value);

    /**
     * @return the call time of the operation in progress, or -1 if none.
     */
    long outstandingSinceNs();

    /**
     * @return the operations completed (with a known or unknown outcome) since the given time.
     */
    int completedSince(long timeNs);
}
