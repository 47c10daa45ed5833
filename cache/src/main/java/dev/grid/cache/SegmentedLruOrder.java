package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.grid.cache.CacheStore.NONE;
import static dev.grid.cache.CacheStore.SEGMENT_OFFSET;

/**
 * The main region of W-TinyLFU (LRU policy with admission) as Caffeine keeps it: a segmented LRU. Entries admitted
 * from the window enter the probation segment; an access in probation promotes the entry to the protected segment.
 * Protected's least recent entries fall back to the head of probation while protected holds more than the main
 * region less probation's share, which is 20% of the initial main region: with the initial 1% window protected
 * holds 79.2% of the entries, and a window the {@link WindowClimber} grows takes its room from protected, as in
 * Caffeine. The victim is probation's least recent entry, or protected's when probation is empty. So an entry read
 * since its admission outlives one that was not, which plain LRU cannot tell apart. Every operation is O(1): at
 * most {@value #DEMOTIONS_PER_CALL} demotions per call, enough to follow a window that grows by one climber step
 * per sample of ten times the maximum.
 * <p>
 * A slot's segment is in its record ({@link CacheStore#SEGMENT_OFFSET}), so snapshots carry it with the records.
 */
final class SegmentedLruOrder implements EvictionOrder
{
    static final int PROBATION = 0;
    static final int PROTECTED = 1;
    private static final int DEMOTIONS_PER_CALL = 2;

    private final SlotLists lists;
    private final UnsafeBuffer slots;
    private final int stride;
    private final HashIndex index;
    private final WindowClimber climber;
    private final int maxEntries;
    private final int probationShare;
    private int protectedSize;

    /**
     * @param slots      the slot records.
     * @param stride     bytes per slot record.
     * @param index      the cache's index, only read (see {@link #touchNextVictim()}).
     * @param climber    sizes the window, and so the main region.
     * @param maxEntries of the cache.
     */
    SegmentedLruOrder(
        final UnsafeBuffer slots, final int stride, final HashIndex index, final WindowClimber climber,
        final int maxEntries)
    {
        this.slots = slots;
        this.stride = stride;
        this.index = index;
        this.climber = climber;
        this.maxEntries = maxEntries;
        probationShare = (maxEntries - WindowClimber.initialCapacity(maxEntries)) / 5;
        lists = new SlotLists(slots, stride, 2);
    }

    public void insertNew(final int slot)
    {
        push(PROBATION, slot);
        demoteExcess();
    }

    public void access(final int slot)
    {
        final int segment = segment(slot);
        if (PROTECTED != segment || lists.head(PROTECTED) != slot)
        {
            lists.unlink(segment, slot);
            protectedSize += PROTECTED - segment;
            push(PROTECTED, slot);
        }
        demoteExcess();
    }

    public void remove(final int slot)
    {
        final int segment = segment(slot);
        lists.unlink(segment, slot);
        protectedSize -= segment;
    }

    public void reinsertAccessed(final int slot)
    {
        protectedSize++;
        push(PROTECTED, slot);
        demoteExcess();
    }

    public int selectVictim()
    {
        final int victim = lists.tail(PROBATION);
        return NONE != victim ? victim : lists.tail(PROTECTED);
    }

    public int touchNextVictim()
    {
        final int victim = selectVictim();
        return NONE == victim ? 0 : index.firstWord(victimHash(victim));
    }

    public long victimHash(final int victim)
    {
        return slots.getLong(victim * stride + CacheStore.HASH_OFFSET);
    }

    /** Iteration runs in eviction order: probation from its least recent entry, then protected from its own. */
    public int first()
    {
        final int oldest = lists.tail(PROBATION);
        return NONE != oldest ? oldest : lists.tail(PROTECTED);
    }

    public int next(final int slot)
    {
        final int newer = lists.prev(slot);
        return NONE == newer && PROBATION == segment(slot) ? lists.tail(PROTECTED) : newer;
    }

    public void advanceTime(final long now)
    {
    }

    public void clear()
    {
        lists.clear();
        protectedSize = 0;
    }

    public int stateLength()
    {
        return lists.stateLength() + Integer.BYTES;
    }

    public void writeState(final UnsafeBuffer buffer, final int offset)
    {
        lists.writeState(buffer, offset);
        buffer.putInt(offset + lists.stateLength(), protectedSize);
    }

    public void readState(final UnsafeBuffer buffer, final int offset)
    {
        lists.readState(buffer, offset);
        protectedSize = buffer.getInt(offset + lists.stateLength());
    }

    public void checksumState(final StateChecksum checksum)
    {
        checksum.update(protectedSize);
        for (int segment = PROBATION; segment <= PROTECTED; segment++)
        {
            checksum.update(lists.head(segment)).update(lists.tail(segment));
        }
    }

    public UnsafeBuffer region()
    {
        return null;
    }

    int segment(final int slot)
    {
        return slots.getInt(slot * stride + SEGMENT_OFFSET);
    }

    private void push(final int segment, final int slot)
    {
        slots.putInt(slot * stride + SEGMENT_OFFSET, segment);
        lists.pushHead(segment, slot);
    }

    /** The main region less probation's share. */
    private int protectedCapacity()
    {
        return Math.max(0, maxEntries - climber.windowCapacity() - probationShare);
    }

    private void demoteExcess()
    {
        final int capacity = protectedCapacity();
        for (int i = 0; i < DEMOTIONS_PER_CALL && protectedSize > capacity; i++)
        {
            final int oldest = lists.tail(PROTECTED);
            lists.unlink(PROTECTED, oldest);
            protectedSize--;
            push(PROBATION, oldest);
        }
    }
}
