package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sizes the W-TinyLFU admission window by hill climbing, as Caffeine does: every sample of {@code 10 x maxEntries}
 * hits and misses it compares the hit rate with the previous sample's, keeps moving the window size in the
 * direction that helped (by a step that starts at 6.25% of maxEntries and decays by 2% per sample) and restarts
 * with a full step when the hit rate changes by 5 points or more.
 * <p>
 * Unlike Caffeine, a change smaller than the standard error of the difference between two samples' hit rates,
 * {@code sqrt(2 p (1 - p) / n)}, counts as no change: the window stays where it is and the step decays. Without
 * that, on a plateau where every nearby window size gives the same hit rate the climber walks on noise; on the
 * Corda trace at 1,000 entries it walked the window down to 16 entries, off the plateau's edge, and lost two
 * points there (docs/benchmarks.md).
 * <p>
 * It is driven only by replicated hits and misses and Java's double arithmetic ({@code Math.sqrt} is correctly
 * rounded), so every replica sizes its window identically.
 */
final class WindowClimber
{
    static final int STATE_LENGTH = 40;
    private static final double STEP_PERCENT = 0.0625;
    private static final double STEP_DECAY = 0.98;
    private static final double RESTART_THRESHOLD = 0.05;

    private final int maxEntries;
    private final long sampleSize;
    private long sampleHits;
    private long sampleMisses;
    private double previousHitRate;
    private double stepSize;
    private int windowCapacity;

    WindowClimber(final int maxEntries)
    {
        this.maxEntries = maxEntries;
        sampleSize = 10L * maxEntries;
        reset();
    }

    void reset()
    {
        sampleHits = 0;
        sampleMisses = 0;
        previousHitRate = 0;
        stepSize = -STEP_PERCENT * maxEntries;
        windowCapacity = initialCapacity(maxEntries);
    }

    static int initialCapacity(final int maxEntries)
    {
        return Math.max(1, maxEntries / 100);
    }

    int windowCapacity()
    {
        return windowCapacity;
    }

    void onHit()
    {
        sampleHits++;
        climbIfSampled();
    }

    void onMiss()
    {
        sampleMisses++;
        climbIfSampled();
    }

    private void climbIfSampled()
    {
        if (sampleHits + sampleMisses < sampleSize)
        {
            return;
        }
        final long requests = sampleHits + sampleMisses;
        final double hitRate = (double)sampleHits / requests;
        final double change = hitRate - previousHitRate;
        previousHitRate = hitRate;
        sampleHits = 0;
        sampleMisses = 0;
        if (Math.abs(change) < Math.sqrt(2 * hitRate * (1 - hitRate) / requests))
        {
            stepSize = STEP_DECAY * stepSize;
            return;
        }
        final double amount = change >= 0 ? stepSize : -stepSize;
        stepSize = Math.abs(change) >= RESTART_THRESHOLD ?
            STEP_PERCENT * maxEntries * (amount >= 0 ? 1 : -1) : STEP_DECAY * amount;
        final long next = windowCapacity + (long)amount;
        windowCapacity = (int)Math.max(1, Math.min(Math.max(1, maxEntries - 1), next));
    }

    void writeState(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putLong(offset, sampleHits);
        buffer.putLong(offset + 8, sampleMisses);
        buffer.putDouble(offset + 16, previousHitRate);
        buffer.putDouble(offset + 24, stepSize);
        buffer.putLong(offset + 32, windowCapacity);
    }

    void readState(final UnsafeBuffer buffer, final int offset)
    {
        sampleHits = buffer.getLong(offset);
        sampleMisses = buffer.getLong(offset + 8);
        previousHitRate = buffer.getDouble(offset + 16);
        stepSize = buffer.getDouble(offset + 24);
        windowCapacity = (int)buffer.getLong(offset + 32);
    }

    void checksum(final StateChecksum checksum)
    {
        checksum.update(sampleHits).update(sampleMisses).update(Double.doubleToLongBits(previousHitRate))
            .update(Double.doubleToLongBits(stepSize)).update(windowCapacity);
    }
}
