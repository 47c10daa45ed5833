package dev.grid.consensus;

/**
 * The roles of a Raft node.
 */
public enum RaftRole
{
    /** Follows the leader of its term, or waits for one. */
    FOLLOWER,
    /** Asks whether it could win an election (pre-vote), without raising its term. */
    PRE_CANDIDATE,
    /** Stands for election in a new term. */
    CANDIDATE,
    /** Accepts proposals and replicates the log. */
    LEADER
}
