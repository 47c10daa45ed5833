package dev.grid.cache;

/**
 * Redis's logarithmic frequency counter, made deterministic: the 8-bit count grows by one with probability
 * {@code 1 / ((count - INITIAL) * logFactor + 1)}, and the draw deciding it is derived from the key's hash and a
 * replicated access count instead of a random number generator, so every replica takes the same decision. Shared
 * by the cache's LFU order, its test reference and the benchmark baselines.
 */
public final class LfuCounter
{
    /** The count of a new entry (Redis's LFU_INIT_VAL), so it is not the first thing evicted. */
    public static final int INITIAL = 5;
    /** Counts saturate here. */
    public static final int MAX = 255;

    private static final long DRAW_STEP = 0x9E3779B97F4A7C15L;

    private LfuCounter()
    {
    }

    /**
     * @param keyHash     the accessed key's {@link KeyHash}.
     * @param accessCount how many accesses the cache had counted before this one.
     * @return the deterministic draw for this access: uniform in its high 32 bits.
     */
    public static long draw(final long keyHash, final long accessCount)
    {
        return KeyHash.mix(keyHash + (accessCount + 1) * DRAW_STEP);
    }

    /**
     * @param count     the current (decayed) count, 0..MAX.
     * @param draw      from {@link #draw(long, long)}.
     * @param logFactor Redis's lfu-log-factor.
     * @return the count after this access.
     */
    public static int increment(final int count, final long draw, final int logFactor)
    {
        if (count >= MAX)
        {
            return MAX;
        }
        final long base = Math.max(0, count - INITIAL);
        final long uniform32 = draw >>> 32;
        return uniform32 * (base * logFactor + 1) < (1L << 32) ? count + 1 : count;
    }

    /**
     * @param now          log time in nanoseconds.
     * @param decayNanos   Redis's lfu-decay-time; 0 for no decay.
     * @return the decay period {@code now} falls in: every count loses one per period.
     */
    public static long period(final long now, final long decayNanos)
    {
        return 0 == decayNanos ? 0 : now / decayNanos;
    }
}
