package dev.grid.locks;

import org.agrona.BitUtil;

import java.util.Arrays;

/**
 * An open-addressing index from a key's hash to slots of a dense table that holds the keys themselves: linear
 * probing, backward-shift deletion (no tombstones, so probe chains never degrade), capacity fixed at construction.
 * The caller compares keys: {@link #first} and {@link #next} walk the slots whose hash matches. Allocation-free.
 * <p>
 * Each entry packs the hash and the slot into one {@code long} (hash in the high half, slot + 1 in the low half, 0
 * for empty), so a probe reads one array element and one cache line rather than two parallel arrays.
 * <p>
 * The layout depends on the order of updates, so the index is derived state: rebuild it from the table after a
 * restore and leave it out of checksums; lookups give the same answers whatever the layout.
 */
final class SlotIndex
{
    private static final long EMPTY = 0;
    private static final long SLOT_MASK = 0xFFFF_FFFFL;

    private final long[] entries;
    private final int mask;

    /**
     * @param maxEntries most slots indexed at once; the index takes twice that, rounded up to a power of two.
     */
    SlotIndex(final int maxEntries)
    {
        final int capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(2, maxEntries * 2));
        entries = new long[capacity];
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
        return (int)(entries[position] & SLOT_MASK) - 1;
    }

    void insert(final int hash, final int slot)
    {
        int position = hash & mask;
        while (EMPTY != entries[position])
        {
            position = (position + 1) & mask;
        }
        entries[position] = entry(hash, slot);
    }

    /**
     * Points the entry of {@code fromSlot} at {@code toSlot}, after the table moved the record.
     */
    void move(final int hash, final int fromSlot, final int toSlot)
    {
        entries[positionOf(hash, fromSlot)] = entry(hash, toSlot);
    }

    void remove(final int hash, final int slot)
    {
        int hole = positionOf(hash, slot);
        entries[hole] = EMPTY;
        int position = hole;
        while (true)
        {
            position = (position + 1) & mask;
            final long entry = entries[position];
            if (EMPTY == entry)
            {
                return;
            }
            final int home = (int)(entry >>> 32) & mask;
            final boolean homeOutsideGap = hole <= position ?
                (home <= hole || home > position) : (home <= hole && home > position);
            if (homeOutsideGap)
            {
                entries[hole] = entry;
                entries[position] = EMPTY;
                hole = position;
            }
        }
    }

    void clear()
    {
        Arrays.fill(entries, EMPTY);
    }

    private static long entry(final int hash, final int slot)
    {
        return ((long)hash << 32) | (slot + 1);
    }

    private int scan(final int hash, final int start)
    {
        int position = start;
        long entry;
        while (EMPTY != (entry = entries[position]))
        {
            if ((int)(entry >>> 32) == hash)
            {
                return position;
            }
            position = (position + 1) & mask;
        }
        return -1;
    }

    private int positionOf(final int hash, final int slot)
    {
        final long wanted = entry(hash, slot);
        int position = hash & mask;
        while (entries[position] != wanted)
        {
            position = (position + 1) & mask;
        }
        return position;
    }
}
