package dev.grid.log;

/**
 * When appended entries are forced to disk. Term and vote are always forced, whatever the policy.
 */
public enum SyncPolicy
{
    /**
     * Never forced by the log: entries reach the page cache and survive a process crash (kill -9) but not a
     * machine crash. Raft's majority replication is the durability.
     */
    NONE,
    /**
     * Forced when the caller calls {@link RaftLog#sync()}, for example once per duty cycle before acknowledging
     * what that cycle appended: one fsync for many entries.
     */
    BATCH,
    /**
     * Every append, truncation and compaction is forced before it returns.
     */
    EVERY_APPEND
}
