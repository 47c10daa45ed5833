package dev.grid.cache;

/**
 * Redis's logarithmic frequency counter (LFULogIncr): the 8-bit count grows by one with probability
 * {@code 1 / ((count - INITIAL) * logFactor + 1)}. The caller supplies the draw: the cache's LFU order takes it from
 * its replicated random generator, so every replica takes the same decision.
 */
public final class LfuCounter
{
    /** The count of a new entry (Redis's LFU_INIT_VAL), so it is not the first thing evicted. */
    public static final int INITIAL = 5;
    /** Counts saturate here. */
    public static final int MAX = 255;

    private LfuCounter()
    {
    }

    /**
     * @param count     the current (decayed) count, 0..MAX.
     * @param draw      a random number, uniform in its high 32 bits.
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
