package dev.grid.log;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Where each live entry is stored: its segment (Chronicle cycle) and the byte position of its record in that
 * segment's file, packed in one long per entry, off-heap, by Raft index. Rebuilt by scanning on open.
 * <p>
 * The entries form a ring: appends go at the end, compaction drops from the front, truncation from the end, all
 * in O(1). The ring doubles when full (rarely: it is sized at open and compaction keeps it bounded), so steady
 * state allocates nothing.
 */
final class EntryPositions implements AutoCloseable
{
    private static final int POSITION_BITS = 40;
    private static final long POSITION_MASK = (1L << POSITION_BITS) - 1;
    private static final int MAX_CYCLE = (1 << (Long.SIZE - POSITION_BITS - 1)) - 1;

    private ByteBuffer ringMemory;
    private UnsafeBuffer ring;
    private int mask;
    private int head;
    private int count;
    private long firstIndex = 1;

    EntryPositions(final int initialCapacity)
    {
        allocate(Integer.highestOneBit(Math.max(initialCapacity, 16) - 1) << 1);
    }

    static int cycleOf(final long packed)
    {
        return (int)(packed >>> POSITION_BITS);
    }

    static long positionOf(final long packed)
    {
        return packed & POSITION_MASK;
    }

    /**
     * Forgets every entry: the next one appended is {@code baseIndex + 1}.
     */
    void clear(final long baseIndex)
    {
        firstIndex = baseIndex + 1;
        head = 0;
        count = 0;
    }

    void append(final long index, final int cycle, final long position)
    {
        if (index != firstIndex + count)
        {
            throw new IllegalStateException("position of entry " + index + " after entry " + (firstIndex + count - 1));
        }
        if (cycle < 0 || cycle > MAX_CYCLE || position < 0 || position > POSITION_MASK)
        {
            throw new IllegalStateException("segment " + cycle + " position " + position + " out of range");
        }
        if (count == mask + 1)
        {
            grow();
        }
        ring.putLong(slotOffset(count), ((long)cycle << POSITION_BITS) | position);
        count++;
    }

    /**
     * @param index of a held entry.
     * @return its packed segment and position (see {@link #cycleOf}, {@link #positionOf}).
     */
    long get(final long index)
    {
        return ring.getLong(slotOffset((int)(index - firstIndex)));
    }

    /**
     * @return the packed position of the first held entry, or -1 if none is held.
     */
    long first()
    {
        return count > 0 ? ring.getLong(slotOffset(0)) : -1;
    }

    void truncateFrom(final long index)
    {
        count = (int)Math.max(0, Math.min(count, index - firstIndex));
    }

    /**
     * Drops the entries up to index.
     */
    void compactTo(final long index)
    {
        final long drop = index + 1 - firstIndex;
        if (drop >= count)
        {
            clear(index);
        }
        else if (drop > 0)
        {
            head = (head + (int)drop) & mask;
            count -= (int)drop;
            firstIndex = index + 1;
        }
    }

    int capacity()
    {
        return mask + 1;
    }

    public void close()
    {
        if (null != ringMemory)
        {
            BufferUtil.free(ringMemory);
            ringMemory = null;
            ring = null;
        }
    }

    private int slotOffset(final int slot)
    {
        return ((head + slot) & mask) << 3;
    }

    private void grow()
    {
        final ByteBuffer oldMemory = ringMemory;
        final UnsafeBuffer old = ring;
        final int oldHead = head;
        final int oldMask = mask;
        allocate((mask + 1) << 1);
        for (int i = 0; i < count; i++)
        {
            ring.putLong(i << 3, old.getLong(((oldHead + i) & oldMask) << 3));
        }
        head = 0;
        BufferUtil.free(oldMemory);
    }

    private void allocate(final int capacity)
    {
        if (capacity <= 0 || capacity > (1 << 28))
        {
            throw new LogException("log holds too many uncompacted entries for its position map: " + capacity);
        }
        ringMemory = ByteBuffer.allocateDirect(capacity << 3);
        ring = new UnsafeBuffer(ringMemory);
        mask = capacity - 1;
    }
}
