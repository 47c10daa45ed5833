package dev.grid.jmh.cache;

import dev.grid.cache.KeyHash;

/**
 * The workload, shared by our caches and the peers: 1M entries, 16-byte keys, 64-byte values, uniformly
 * random keys. Key {@code i} is {@code (i, mix(i))} as two little-endian longs; the random sequences are precomputed
 * so that no benchmark spends its time in a random number generator.
 */
final class Workload
{
    static final int ENTRIES = 1 << 20;
    static final int KEY_LENGTH = 16;
    static final int VALUE_LENGTH = 64;
    static final int SEQUENCE_LENGTH = 1 << 22;
    private static final int MASK = SEQUENCE_LENGTH - 1;

    /** Uniformly random ids of present keys, in [0, ENTRIES). */
    final int[] presentIds = new int[SEQUENCE_LENGTH];
    private int cursor;

    Workload()
    {
        long state = 0x5DEECE66DL;
        for (int i = 0; i < SEQUENCE_LENGTH; i++)
        {
            state = KeyHash.mix(state + 0x9E3779B97F4A7C15L);
            presentIds[i] = (int)((state >>> 11) % ENTRIES);
        }
    }

    int nextPresent()
    {
        return presentIds[cursor++ & MASK];
    }

    /** An id absent from the initial fill: misses stay misses. */
    int nextAbsent()
    {
        return ENTRIES + presentIds[cursor++ & MASK];
    }

    static long keyHigh(final long id)
    {
        return KeyHash.mix(id);
    }
}
