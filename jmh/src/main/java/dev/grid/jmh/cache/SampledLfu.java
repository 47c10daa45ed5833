package dev.grid.jmh.cache;

import dev.grid.cache.trace.TraceReplay;
import org.agrona.collections.Long2LongHashMap;

import java.util.SplittableRandom;

/**
 * The Redis baseline for our LFU: a plain-Java transcription of Redis's allkeys-lfu eviction (evict.c
 * evictionPoolPopulate and performEvictions, object.c/evict.c LFULogIncr, LFUDecrAndReturn, LFUTimeElapsed), with
 * its own random numbers ({@code rand()} becomes a {@link SplittableRandom} of the given seed), independent of the
 * cache's code:
 * <ul>
 *     <li>each key holds Redis's 24-bit field: 16 bits of last-decrement time in minutes (mod 65536) and an 8-bit
 *     counter; new keys start at LFU_INIT_VAL (5);</li>
 *     <li>an access decays the counter by {@code elapsed minutes / lfu-decay-time}, then increments it with
 *     probability {@code 1 / ((counter - 5) * lfu-log-factor + 1)}, and stamps the current minute;</li>
 *     <li>when the cache is full, maxmemory-samples keys are sampled (dictGetSomeKeys returns distinct keys; here
 *     uniformly among the residents) and inserted into the 16-entry pool sorted by idle = 255 - decayed counter,
 *     with Redis's insertion rules; the victim is taken from the pool's best end, skipping keys already gone
 *     (ghosts), sampling again if the pool ran dry.</li>
 * </ul>
 * Log time is one access per {@link TraceReplay#NANOS_PER_ACCESS}, as in our replays.
 */
final class SampledLfu
{
    static final int LFU_INIT_VAL = 5;
    static final int EVPOOL_SIZE = 16;
    private static final long NANOS_PER_MINUTE = 60_000_000_000L;

    private final int capacity;
    private final int samples;
    private final int logFactor;
    private final long decayMinutes;
    private final SplittableRandom random;
    private final long[] residents;
    private final int[] lru;
    private final Long2LongHashMap positionOf;
    private final long[] poolKeys = new long[EVPOOL_SIZE];
    private final long[] poolIdle = new long[EVPOOL_SIZE];
    private final boolean[] poolUsed = new boolean[EVPOOL_SIZE];
    private final int[] sampled;
    private int size;

    private SampledLfu(
        final int capacity, final int samples, final int logFactor, final long decayMinutes, final long seed)
    {
        this.capacity = capacity;
        this.samples = samples;
        this.logFactor = logFactor;
        this.decayMinutes = decayMinutes;
        random = new SplittableRandom(seed);
        residents = new long[capacity];
        lru = new int[capacity];
        positionOf = new Long2LongHashMap(capacity * 2, 0.6f, -1);
        sampled = new int[samples];
    }

    /**
     * @return the hit ratio of Redis's allkeys-lfu with these settings and random seed on the trace.
     */
    static double replay(
        final long[] keys,
        final int capacity,
        final int samples,
        final int logFactor,
        final long decayNanos,
        final long seed)
    {
        final SampledLfu redis = new SampledLfu(capacity, samples, logFactor, decayNanos / NANOS_PER_MINUTE, seed);
        long hits = 0;
        for (int i = 0; i < keys.length; i++)
        {
            final long minutes = ((i + 1L) * TraceReplay.NANOS_PER_ACCESS / NANOS_PER_MINUTE) & 65535;
            if (redis.access(keys[i], minutes))
            {
                hits++;
            }
        }
        return (double)hits / keys.length;
    }

    private boolean access(final long key, final long minutes)
    {
        final int position = (int)positionOf.get(key);
        if (position >= 0)
        {
            final int counter = lfuLogIncr(lfuDecrAndReturn(lru[position], minutes));
            lru[position] = (int)(minutes << 8) | counter;
            return true;
        }
        if (size == capacity)
        {
            evictOne(minutes);
        }
        residents[size] = key;
        lru[size] = (int)(minutes << 8) | LFU_INIT_VAL;
        positionOf.put(key, size);
        size++;
        return false;
    }

    private int lfuLogIncr(final int counter)
    {
        if (255 == counter)
        {
            return 255;
        }
        final double r = random.nextDouble();
        final double baseval = Math.max(0, counter - LFU_INIT_VAL);
        final double p = 1.0 / (baseval * logFactor + 1);
        return r < p ? counter + 1 : counter;
    }

    private int lfuDecrAndReturn(final int field, final long minutes)
    {
        final long ldt = field >>> 8;
        final int counter = field & 255;
        final long elapsed = minutes >= ldt ? minutes - ldt : 65535 - ldt + minutes;
        final long periods = 0 != decayMinutes ? elapsed / decayMinutes : 0;
        return periods > counter ? 0 : (int)(counter - periods);
    }

    private void evictOne(final long minutes)
    {
        long bestKey = 0;
        boolean found = false;
        while (!found)
        {
            evictionPoolPopulate(minutes);
            for (int k = EVPOOL_SIZE - 1; k >= 0; k--)
            {
                if (!poolUsed[k])
                {
                    continue;
                }
                poolUsed[k] = false;
                poolIdle[k] = 0;
                if (positionOf.containsKey(poolKeys[k]))
                {
                    bestKey = poolKeys[k];
                    found = true;
                    break;
                }
            }
        }
        final int position = (int)positionOf.remove(bestKey);
        size--;
        if (position != size)
        {
            residents[position] = residents[size];
            lru[position] = lru[size];
            positionOf.put(residents[position], position);
        }
    }

    private void evictionPoolPopulate(final long minutes)
    {
        final int count = Math.min(samples, size);
        for (int j = 0; j < count; j++)
        {
            int position;
            boolean duplicate;
            do
            {
                position = random.nextInt(size);
                duplicate = false;
                for (int i = 0; i < j; i++)
                {
                    duplicate |= sampled[i] == position;
                }
            }
            while (duplicate);
            sampled[j] = position;
            final long idle = 255 - lfuDecrAndReturn(lru[position], minutes);
            insertIntoPool(residents[position], idle);
        }
    }

    /**
     * Redis's pool insertion, transcribed.
     */
    private void insertIntoPool(final long key, final long idle)
    {
        int k = 0;
        while (k < EVPOOL_SIZE && poolUsed[k] && poolIdle[k] < idle)
        {
            k++;
        }
        if (0 == k && poolUsed[EVPOOL_SIZE - 1])
        {
            return;
        }
        else if (k < EVPOOL_SIZE && !poolUsed[k])
        {
            // inserting into an empty position
        }
        else
        {
            if (!poolUsed[EVPOOL_SIZE - 1])
            {
                System.arraycopy(poolKeys, k, poolKeys, k + 1, EVPOOL_SIZE - k - 1);
                System.arraycopy(poolIdle, k, poolIdle, k + 1, EVPOOL_SIZE - k - 1);
                System.arraycopy(poolUsed, k, poolUsed, k + 1, EVPOOL_SIZE - k - 1);
            }
            else
            {
                k--;
                System.arraycopy(poolKeys, 1, poolKeys, 0, k);
                System.arraycopy(poolIdle, 1, poolIdle, 0, k);
                System.arraycopy(poolUsed, 1, poolUsed, 0, k);
            }
        }
        poolKeys[k] = key;
        poolIdle[k] = idle;
        poolUsed[k] = true;
    }
}
