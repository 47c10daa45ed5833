package dev.grid.jmh.cache;

import dev.grid.cache.KeyHash;
import dev.grid.cache.LfuCounter;
import dev.grid.cache.trace.TraceReplay;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.SplittableRandom;

/**
 * The Redis baseline for our LFU: Redis's approximated LFU eviction (allkeys-lfu) with maxmemory-samples 5 and its
 * 16-entry eviction pool, using the same logarithmic counter, log factor, decay period and deterministic draws as
 * our cache ({@link LfuCounter}), so the only difference is sampling versus exact minimum.
 */
final class SampledLfu
{
    private static final int SAMPLES = 5;
    private static final int POOL = 16;

    private SampledLfu()
    {
    }

    static double replay(final long[] keys, final int capacity, final int logFactor, final long decayNanos)
    {
        final long[] residents = new long[capacity];
        final int[] counters = new int[capacity];
        final long[] lastPeriods = new long[capacity];
        final Long2LongHashMap slotOf = new Long2LongHashMap(capacity * 2, 0.6f, -1);
        final long[] poolKeys = new long[POOL];
        final long[] poolIdle = new long[POOL];
        int poolSize = 0;
        final SplittableRandom random = new SplittableRandom(7);
        final UnsafeBuffer keyBytes = new UnsafeBuffer(new byte[Long.BYTES]);
        int size = 0;
        long accessCount = 0;
        long hits = 0;
        for (int i = 0; i < keys.length; i++)
        {
            final long key = keys[i];
            final long period = LfuCounter.period((i + 1L) * TraceReplay.NANOS_PER_ACCESS, decayNanos);
            final int slot = (int)slotOf.get(key);
            keyBytes.putLong(0, key);
            final long hash = KeyHash.hash(keyBytes, 0, Long.BYTES);
            if (slot >= 0)
            {
                hits++;
                final int decayed = decayed(counters[slot], lastPeriods[slot], period);
                counters[slot] = LfuCounter.increment(decayed, LfuCounter.draw(hash, accessCount++), logFactor);
                lastPeriods[slot] = period;
                continue;
            }
            if (size == capacity)
            {
                int victim = -1;
                while (victim < 0)
                {
                    for (int s = 0; s < SAMPLES; s++)
                    {
                        final int candidate = random.nextInt(size);
                        final long idle = 255 - decayed(counters[candidate], lastPeriods[candidate], period);
                        poolSize = offer(poolKeys, poolIdle, poolSize, residents[candidate], idle);
                    }
                    for (int p = poolSize - 1; p >= 0 && victim < 0; p--)
                    {
                        final int candidateSlot = (int)slotOf.get(poolKeys[p]);
                        System.arraycopy(poolKeys, p + 1, poolKeys, p, poolSize - p - 1);
                        System.arraycopy(poolIdle, p + 1, poolIdle, p, poolSize - p - 1);
                        poolSize--;
                        victim = candidateSlot;
                    }
                }
                slotOf.remove(residents[victim]);
                size--;
                residents[victim] = residents[size];
                counters[victim] = counters[size];
                lastPeriods[victim] = lastPeriods[size];
                if (victim != size)
                {
                    slotOf.put(residents[victim], victim);
                }
            }
            residents[size] = key;
            counters[size] = LfuCounter.INITIAL;
            lastPeriods[size] = period;
            slotOf.put(key, size);
            size++;
        }
        return (double)hits / keys.length;
    }

    private static int decayed(final int counter, final long lastPeriod, final long period)
    {
        final long periods = period - lastPeriod;
        return periods > counter ? 0 : (int)(counter - periods);
    }

    /**
     * Keeps the pool sorted by idle, ascending; the best victim is last. A key already pooled is not added twice.
     */
    private static int offer(final long[] keys, final long[] idle, final int size, final long key, final long keyIdle)
    {
        for (int i = 0; i < size; i++)
        {
            if (keys[i] == key)
            {
                return size;
            }
        }
        int position = 0;
        while (position < size && idle[position] < keyIdle)
        {
            position++;
        }
        if (size == POOL)
        {
            if (0 == position)
            {
                return size;
            }
            System.arraycopy(keys, 1, keys, 0, position - 1);
            System.arraycopy(idle, 1, idle, 0, position - 1);
            keys[position - 1] = key;
            idle[position - 1] = keyIdle;
            return size;
        }
        System.arraycopy(keys, position, keys, position + 1, size - position);
        System.arraycopy(idle, position, idle, position + 1, size - position);
        keys[position] = key;
        idle[position] = keyIdle;
        return size + 1;
    }
}
