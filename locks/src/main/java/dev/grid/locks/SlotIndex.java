package dev.grid.locks;

import org.agrona.BitUtil;

import java.util.Arrays;

/**
 * An open-addressing index from a key's hash to slots of a dense table that holds the keys themselves: linear
 * probing, backward-shift deletion (no tombstones, so probe chains never degrade), capacity fixed at construction.
 * The caller compares keys: {@link #first} and {@link #next} walk the slots whose hash matches. Allocation-free.
 * <p>
 * The layout depends on the order of updates, so the index is derived state: rebuild it from the table after a
 * restore and leave it out of checksums; lookups give the same answers whatever the layout.
 */
final class SlotIndex
{
    private static final int EMPTY = 0;

    private final int[] slots;
    private final int[] hashes;
    private final int mask;

    /**
     * @param maxEntries most slots indexed at once; the index takes twice that, rounded up to a power of two.
     */
    SlotIndex(final int maxEntries)
    {
        final int capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(2, maxEntries * 2));
        slots = new int[capacity];
        hashes = new int[capacity];
        mask = capacity - 1;
    }

    /**
     * @param hash of the key looked for.
     * @return the first position whose entry has this hash, or -1: read its slot with {@link #slotAt}.
     */
    int first(final int hash)
    {
        return scan(hash, hash & mask);
    }

    /**
     * @param hash     of the key looked for.
     * @param position returned by {@link #first} or {@link #next}.
     * @return the next position whose entry has this hash, or -1.
     */
    int next(final int hash, final int position)
    {
        return scan(hash, (position + 1) & mask);
    }

    int slotAt(final int position)
    {
        return slots[position] - 1;
    }

    void insert(final int hash, final int slot)
    {
        int position = hash & mask;
        while (EMPTY != slots[position])
        {
            position = (position + 1) & mask;
        }
        slots[position] = slot + 1;
        hashes[position] = hash;
    }

    /**
     * Points the entry of {@code fromSlot} at {@code toSlot}, after the table moved the record.
     */
    void move(final int hash, final int fromSlot, final int toSlot)
    {
        slots[positionOf(hash, fromSlot)] = toSlot + 1;
    }

    void remove(final int hash, final int slot)
    {
        int hole = positionOf(hash, slot);
        slots[hole] = EMPTY;
        int position = hole;
        while (true)
        {
            position = (position + 1) & mask;
            if (EMPTY == slots[position])
            {
                return;
            }
            final int home = hashes[position] & mask;
            final boolean homeOutsideGap = hole <= position ?
                (home <= hole || home > position) : (home <= hole && home > position);
            if (homeOutsideGap)
            {
                slots[hole] = slots[position];
                hashes[hole] = hashes[position];
                slots[position] = EMPTY;
                hole = position;
            }
        }
    }

    void clear()
    {
        Arrays.fill(slots, EMPTY);
    }

    private int scan(final int hash, final int start)
    {
        int position = start;
        while (EMPTY != slots[position])
        {
            if (hashes[position] == hash)
            {
                return position;
            }
            position = (position + 1) & mask;
        }
        return -1;
    }

    private int positionOf(final int hash, final int slot)
    {
        int position = hash & mask;
        while (slots[position] != slot + 1)
        {
            position = (position + 1) & mask;
        }
        return position;
    }
}
