package dev.grid.consensus;

/**
 * A seeded {@link RandomSource} (SplitMix64): small, fast, allocation-free and identical on every JVM, so a seed
 * replays exactly.
 */
public final class SplitMixRandom implements RandomSource
{
    private long state;

    public SplitMixRandom(final long seed)
    {
        state = seed;
    }

    /**
     * @return the next 64 random bits.
     */
    public long nextLong()
    {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong(final long bound)
    {
        if (bound <= 0)
        {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return Math.floorMod(nextLong(), bound);
    }

    /**
     * @param bound exclusive upper bound, positive.
     * @return a value in {@code [0, bound)}.
     */
    public int nextInt(final int bound)
    {
        return (int)nextLong(bound);
    }

    /**
     * @return a value in {@code [0, 1)}.
     */
    public double nextDouble()
    {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
