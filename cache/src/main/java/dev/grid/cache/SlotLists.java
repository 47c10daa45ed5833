package dev.grid.cache;

import org.agrona.concurrent.UnsafeBuffer;

import static dev.grid.cache.CacheStore.NEXT_OFFSET;
import static dev.grid.cache.CacheStore.NONE;
import static dev.grid.cache.CacheStore.PREV_OFFSET;

/**
 * Intrusive doubly linked lists of slots, threaded through the slots' prev and next fields: each list runs from
 * its head (most recent) to its tail (the next to evict). The LRU order and the admission window keep one list
 * each. Only the writer touches the links; readers never follow them.
 */
final class SlotLists
{
    private final UnsafeBuffer slots;
    private final int stride;
    private final int[] heads;
    private final int[] tails;

    SlotLists(final UnsafeBuffer slots, final int stride, final int listCount)
    {
        this.slots = slots;
        this.stride = stride;
        heads = new int[listCount];
        tails = new int[listCount];
        clear();
    }

    void clear()
    {
        java.util.Arrays.fill(heads, NONE);
        java.util.Arrays.fill(tails, NONE);
    }

    int head(final int list)
    {
        return heads[list];
    }

    int tail(final int list)
    {
        return tails[list];
    }

    boolean isEmpty(final int list)
    {
        return NONE == heads[list];
    }

    int prev(final int slot)
    {
        return slots.getInt(slot * stride + PREV_OFFSET);
    }

    void pushHead(final int list, final int slot)
    {
        final int oldHead = heads[list];
        final int offset = slot * stride;
        slots.putInt(offset + PREV_OFFSET, NONE);
        slots.putInt(offset + NEXT_OFFSET, oldHead);
        if (NONE == oldHead)
        {
            tails[list] = slot;
        }
        else
        {
            slots.putInt(oldHead * stride + PREV_OFFSET, slot);
        }
        heads[list] = slot;
    }

    void unlink(final int list, final int slot)
    {
        final int offset = slot * stride;
        final int prev = slots.getInt(offset + PREV_OFFSET);
        final int next = slots.getInt(offset + NEXT_OFFSET);
        if (NONE == prev)
        {
            heads[list] = next;
        }
        else
        {
            slots.putInt(prev * stride + NEXT_OFFSET, next);
        }
        if (NONE == next)
        {
            tails[list] = prev;
        }
        else
        {
            slots.putInt(next * stride + PREV_OFFSET, prev);
        }
    }

    int stateLength()
    {
        return 2 * Integer.BYTES * heads.length;
    }

    void writeState(final UnsafeBuffer buffer, final int offset)
    {
        for (int i = 0; i < heads.length; i++)
        {
            buffer.putInt(offset + 8 * i, heads[i]);
            buffer.putInt(offset + 8 * i + 4, tails[i]);
        }
    }

    void readState(final UnsafeBuffer buffer, final int offset)
    {
        for (int i = 0; i < heads.length; i++)
        {
            heads[i] = buffer.getInt(offset + 8 * i);
            tails[i] = buffer.getInt(offset + 8 * i + 4);
        }
    }
}
