package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Exact LRU: one list, most recent at the head, the victim at the tail. Every operation is O(1).
 */
final class LruOrder implements EvictionOrder
{
    private static final int LIST = 0;

    private final SlotLists lists;
    private final UnsafeBuffer slots;
    private final int stride;
    private final HashIndex index;

    /**
     * @param slots  the slot records.
     * @param stride bytes per slot record.
     * @param index  the cache's index, only read (see {@link #touchNextVictim()}).
     */
    LruOrder(final UnsafeBuffer slots, final int stride, final HashIndex index)
    {
        this.slots = slots;
        this.stride = stride;
        this.index = index;
        lists = new SlotLists(slots, stride, 1);
    }

    public void insertNew(final int slot)
    {
        lists.pushHead(LIST, slot);
    }

    public void access(final int slot)
    {
        if (lists.head(LIST) != slot)
        {
            lists.unlink(LIST, slot);
            lists.pushHead(LIST, slot);
        }
    }

    public void remove(final int slot)
    {
        lists.unlink(LIST, slot);
    }

    public void reinsertAccessed(final int slot)
    {
        lists.pushHead(LIST, slot);
    }

    public int selectVictim()
    {
        return lists.tail(LIST);
    }

    public int touchNextVictim()
    {
        final int victim = lists.tail(LIST);
        return CacheStore.NONE == victim ? 0 : index.firstWord(victimHash(victim));
    }

    public long victimHash(final int victim)
    {
        return slots.getLong(victim * stride + CacheStore.HASH_OFFSET);
    }

    /** Iteration runs in eviction order: least recent first. */
    public int first()
    {
        return lists.tail(LIST);
    }

    public int next(final int slot)
    {
        return lists.prev(slot);
    }

    public void advanceTime(final long now)
    {
    }

    public void clear()
    {
        lists.clear();
    }

    public int stateLength()
    {
        return lists.stateLength();
    }

    public void writeState(final UnsafeBuffer buffer, final int offset)
    {
        lists.writeState(buffer, offset);
    }

    public void readState(final UnsafeBuffer buffer, final int offset)
    {
        lists.readState(buffer, offset);
    }

    public void checksumState(final StateChecksum checksum)
    {
        checksum.update(lists.head(LIST)).update(lists.tail(LIST));
    }

    public UnsafeBuffer region()
    {
        return null;
    }
}
