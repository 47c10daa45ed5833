package dev.grid.consensus;

/**
 * Test-only fault injection: classic Raft bugs that the simulation must catch. Production nodes use {@link #NONE},
 * for which every method answers false; only tests in this package can set another (see
 * {@code RaftNode.Context#faults}).
 */
interface RaftFaults
{
    /** The correct implementation. */
    RaftFaults NONE = new RaftFaults()
    {
    };

    /**
     * @return true to grant votes without checking that the candidate's log is at least as up to date.
     */
    default boolean skipLogUpToDateCheck()
    {
        return false;
    }

    /**
     * @return true to keep a vote only in memory, never forcing it to the log before answering.
     */
    default boolean skipVotePersistence()
    {
        return false;
    }

    /**
     * @return true for a follower to acknowledge appended entries without syncing them first.
     */
    default boolean acknowledgeBeforeSync()
    {
        return false;
    }
}
