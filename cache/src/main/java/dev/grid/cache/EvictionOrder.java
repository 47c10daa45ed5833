package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The replicated order in which a full cache evicts its live slots. Implementations are deterministic functions
 * of the calls they receive (and of the slots' key hashes and scores), so every replica evicts the same entries.
 */
interface EvictionOrder
{
    /** A slot that was just written for the first time: the most recent entry. */
    void insertNew(int slot);

    /** A linked slot was read or written: it counts toward recency or frequency. */
    void access(int slot);

    /** Takes a linked slot out of the order (removal, eviction, or a rewrite that must not evict itself). */
    void remove(int slot);

    /** Puts back a slot taken out by {@link #remove}, counting the access that caused the rewrite. */
    void reinsertAccessed(int slot);

    /**
     * Chooses the slot to evict next. It stays in the order until {@link #remove}d; the choice may change the
     * order's own state (a sampling policy draws its samples here).
     *
     * @return the slot to evict, or {@link CacheStore#NONE} when the order is empty.
     */
    int selectVictim();

    /**
     * Loads (and otherwise ignores) the memory the next eviction will read first: the likely victim's slot record
     * and index bucket. Reads only; it changes nothing, so replicas stay identical whether an eviction follows or
     * not.
     *
     * @return a value derived from the loads, for the caller to keep so that they are not optimised away.
     */
    int touchNextVictim();

    /**
     * @param victim the slot {@link #selectVictim()} just returned.
     * @return its key hash; an order that keeps the hash beside its members answers without reading the slot
     * record, so the victim's index removal need not wait for the record to arrive from memory.
     */
    long victimHash(int victim);

    /**
     * @return the first slot of the order in its defined iteration order (checksums, tests), or
     * {@link CacheStore#NONE} when empty; changes nothing.
     */
    int first();

    /**
     * @param slot a linked slot.
     * @return the slot after it in the iteration order, or {@link CacheStore#NONE}; with {@link #first()} it walks
     * every linked slot once.
     */
    int next(int slot);

    /** Log time advanced; counts may age. */
    void advanceTime(long now);

    /** Forgets every slot; aging and random state are kept. */
    void clear();

    int stateLength();

    void writeState(UnsafeBuffer buffer, int offset);

    void readState(UnsafeBuffer buffer, int offset);

    /** Feeds the order's own state (not the slots') to a checksum. */
    void checksumState(StateChecksum checksum);

    /**
     * @return the order's own off-heap region, written to and read from snapshots as it is; null if it has none.
     */
    UnsafeBuffer region();
}
