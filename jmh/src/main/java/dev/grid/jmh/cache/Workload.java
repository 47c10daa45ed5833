package dev.grid.jmh.cache;

import dev.grid.cache.KeyHash;

import java.util.SplittableRandom;

/**
 * The workload, shared by our caches and the peers: 1M entries, 16-byte keys, 64-byte values, uniformly
 * random keys. Key {@code i} is {@code (i, mix(i))} as two little-endian longs; the random sequences are precomputed
 * so that no benchmark spends its time in a random number generator.
 * <p>
 * The entry count is every cache benchmark's {@code entries} parameter, 1M unless told: with a few thousand
 * entries everything stays in the CPU caches, which separates the instructions an operation costs from its cache
 * misses ({@code -p entries=4096}).
 */
final class Workload
{
    /** The entry count, and the {@code entries} parameter's default. */
    static final String DEFAULT_ENTRIES = "1048576";
    static final int KEY_LENGTH = 16;
    static final int VALUE_LENGTH = 64;
    static final int SEQUENCE_LENGTH = 1 << 22;
    private static final int MASK = SEQUENCE_LENGTH - 1;

    /** Uniformly random ids of present keys, in [0, entries). */
    final int[] presentIds = new int[SEQUENCE_LENGTH];
    final int entries;
    private int cursor;

    Workload(final int entries)
    {
        if (entries < 1)
        {
            throw new IllegalArgumentException("entries must be at least 1: " + entries);
        }
        this.entries = entries;
        long state = 0x5DEECE66DL;
        for (int i = 0; i < SEQUENCE_LENGTH; i++)
        {
            state = KeyHash.mix(state + 0x9E3779B97F4A7C15L);
            presentIds[i] = (int)((state >>> 11) % entries);
        }
    }

    int nextPresent()
    {
        return presentIds[cursor++ & MASK];
    }

    /** An id absent from the initial fill: misses stay misses. */
    int nextAbsent()
    {
        return entries + presentIds[cursor++ & MASK];
    }

    /**
     * Every id of the initial fill once, in an order that is random and the same for every cache: the
     * {@code readAllAfterFill} parameter's reads.
     */
    int[] shuffledPresentIds()
    {
        return permutation(entries, new SplittableRandom(0x5DEECE66DL));
    }

    /**
     * @return 0 .. count - 1 in a uniformly random order (Fisher-Yates), drawn from {@code random}.
     */
    static int[] permutation(final int count, final SplittableRandom random)
    {
        final int[] values = new int[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = i;
        }
        for (int i = count - 1; i > 0; i--)
        {
            final int j = random.nextInt(i + 1);
            final int value = values[i];
            values[i] = values[j];
            values[j] = value;
        }
        return values;
    }

    static long keyHigh(final long id)
    {
        return KeyHash.mix(id);
    }
}
