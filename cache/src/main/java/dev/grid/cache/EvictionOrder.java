package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The replicated order in which a full cache evicts its live slots. Implementations are deterministic functions
 * of the calls they receive (and of the slots' key hashes), so every replica evicts the same entries.
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
     * @return the slot to evict next, or {@link CacheStore#NONE} when the order is empty.
     */
    int victim();

    /**
     * @param slot a linked slot.
     * @return the slot evicted after it, or {@link CacheStore#NONE}; with {@link #victim()} it walks the whole order.
     */
    int nextVictim(int slot);

    /** The slot is about to be evicted to make room (not removed or expired): counts may age. */
    void evicting(int slot);

    /** Log time advanced; counts may age. */
    void advanceTime(long now);

    /** Forgets every slot; aging state is kept. */
    void clear();

    int stateLength();

    void writeState(UnsafeBuffer buffer, int offset);

    void readState(UnsafeBuffer buffer, int offset);

    /** Feeds the order's own state (not the slots') to a checksum. */
    void checksumState(StateChecksum checksum);
}
