package dev.grid.cache;

/**
 * How a full cache chooses what to evict.
 */
public enum CachePolicy
{
    /** Exact least-recently-used: one list in access order. */
    LRU,
    /**
     * Redis's approximated LFU, deterministic: logarithmic counters that decay over log time, victims chosen from a
     * pool of sampled candidates with a replicated random generator.
     */
    LFU
}
