package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * TinyLFU's frequency sketch, deterministic and of fixed size: a count-min sketch of four rows of 4-bit counters
 * packed 16 to a long, indexed by re-mixes of the key hash. Counts age by halving; instead of Caffeine's reset of
 * the whole table every {@code 10 * maxEntries} increments (a pause proportional to the table), one word is halved
 * every few increments, round robin, so every word is halved once per {@code 10 * maxEntries} increments and
 * the cost per operation stays bounded. Replicated state: it lives in its own off-heap region, enters snapshots
 * and the checksum.
 */
final class FrequencySketch
{
    private static final long[] SEEDS = {
        0x97CB3127D2A3B5A1L, 0xC3A5C85C97CB3127L, 0xB492B66FBE98F273L, 0x9AE16A3B2F90404FL };
    private static final long HALVE_MASK = 0x7777_7777_7777_7777L;

    private final UnsafeBuffer table;
    private final int mask;
    private final int incrementsPerAgingStep;
    private int agingCursor;
    private int incrementsSinceAging;

    /**
     * @param table      off-heap words, a power of two of them.
     * @param maxEntries of the cache: the sample size is ten times this.
     */
    FrequencySketch(final UnsafeBuffer table, final int maxEntries)
    {
        this.table = table;
        final int words = table.capacity() / Long.BYTES;
        mask = words - 1;
        incrementsPerAgingStep = (int)Math.max(1, 10L * maxEntries / words);
    }

    static int wordsFor(final int maxEntries)
    {
        return Math.max(16, Integer.highestOneBit(Math.max(1, maxEntries) * 2 - 1));
    }

    int frequency(final long keyHash)
    {
        int frequency = 15;
        for (int row = 0; row < SEEDS.length; row++)
        {
            final long h = KeyHash.mix(keyHash ^ SEEDS[row]);
            final int shift = (int)(h & 15) << 2;
            final int word = (int)(h >>> 32) & mask;
            frequency = Math.min(frequency, (int)((table.getLong(word * Long.BYTES) >>> shift) & 15));
        }
        return frequency;
    }

    void increment(final long keyHash)
    {
        for (int row = 0; row < SEEDS.length; row++)
        {
            final long h = KeyHash.mix(keyHash ^ SEEDS[row]);
            final int shift = (int)(h & 15) << 2;
            final int offset = ((int)(h >>> 32) & mask) * Long.BYTES;
            final long word = table.getLong(offset);
            if (((word >>> shift) & 15) != 15)
            {
                table.putLong(offset, word + (1L << shift));
            }
        }
        if (++incrementsSinceAging == incrementsPerAgingStep)
        {
            incrementsSinceAging = 0;
            final int offset = agingCursor * Long.BYTES;
            table.putLong(offset, (table.getLong(offset) >>> 1) & HALVE_MASK);
            agingCursor = (agingCursor + 1) & mask;
        }
    }

    void clear()
    {
        table.setMemory(0, table.capacity(), (byte)0);
        agingCursor = 0;
        incrementsSinceAging = 0;
    }

    void writeState(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putInt(offset, agingCursor);
        buffer.putInt(offset + 4, incrementsSinceAging);
    }

    void readState(final UnsafeBuffer buffer, final int offset)
    {
        agingCursor = buffer.getInt(offset);
        incrementsSinceAging = buffer.getInt(offset + 4);
    }

    void checksum(final StateChecksum checksum)
    {
        checksum.update(agingCursor).update(incrementsSinceAging).update(table, 0, table.capacity());
    }

    UnsafeBuffer table()
    {
        return table;
    }
}
