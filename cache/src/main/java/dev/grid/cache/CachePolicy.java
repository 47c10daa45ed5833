package dev.grid.cache;

/**
 * How a full cache chooses what to evict.
 */
public enum CachePolicy
{
    /** Exact least-recently-used: one list in access order. */
    LRU,
    /** Least-frequently-used with logarithmic counters that decay over log time; ties go to the least recent. */
    LFU
}
