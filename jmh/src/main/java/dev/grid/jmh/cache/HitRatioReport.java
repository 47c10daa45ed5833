package dev.grid.jmh.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import dev.grid.cache.trace.TraceFormat;
import dev.grid.cache.trace.TraceReplay;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Hit ratios on the real traces in shared/traces: our off-heap LRU and LFU (replayed through the state machine,
 * as {@code bin/grid trace} does; our LFU also with several {@code lfuSeed}s, sampled uniformly and by the sweep),
 * an exact LRU reference, Redis's allkeys-lfu ({@link SampledLfu}, a plain-Java transcription with its own random
 * numbers, run with as many seeds: mean, min and max, and the difference of each of our LFUs' means to Redis's
 * with its 95% interval), our W-TinyLFU admission
 * option, Caffeine (W-TinyLFU) and Belady's optimum. Prints a Markdown table.
 * <p>
 * {@code java -cp jmh/target/benchmarks.jar dev.grid.jmh.cache.HitRatioReport TRACES_DIR [SEEDS]} (30 seeds unless
 * told).
 */
public final class HitRatioReport
{
    private record Trace(String file, TraceFormat format, int[] capacities)
    {
    }

    private static final Trace[] TRACES = {
        new Trace("lirs_gli.trace.gz", TraceFormat.LIRS, new int[] {250, 500, 1000}),
        new Trace("lirs_multi2.trace.gz", TraceFormat.LIRS, new int[] {500, 1000, 2000}),
        new Trace("cache2k_web07.trace.xz", TraceFormat.CACHE2K, new int[] {500, 2000, 8000}),
        new Trace("cache2k_orm-busy.trace.xz", TraceFormat.CACHE2K, new int[] {1000, 5000, 20000}),
        new Trace("corda_trace_vaultservice.gz", TraceFormat.CORDA, new int[] {1000, 5000, 20000}),
    };

    private HitRatioReport()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path dir = Path.of(args.length > 0 ? args[0] : "../shared/traces");
        final int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        System.out.println("| trace | capacity | ours LRU | exact LRU | ours LFU (default seed) | ours LFU, " + seeds +
            " seeds: mean [min, max] | Redis LFU, " + seeds + " seeds: mean [min, max] | " +
            "ours mean - Redis mean, 95% interval | ours LFU with the sweep, " + seeds + " seeds: mean [min, max] | " +
            "sweep mean - Redis mean, 95% interval | ours LRU + TinyLFU | ours LFU + TinyLFU | Caffeine W-TinyLFU | " +
            "Belady OPT |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (final Trace trace : TRACES)
        {
            final long[] keys = load(dir.resolve(trace.file()), trace.format());
            for (final int capacity : trace.capacities())
            {
                final double oursLru = TraceReplay.replay(keys, CachePolicy.LRU, capacity);
                final double exactLru = exactLru(keys, capacity);
                final double oursLfu = TraceReplay.replay(keys, CachePolicy.LFU, capacity);
                final double[] oursSeeds = new double[seeds];
                final double[] redisSeeds = new double[seeds];
                final double[] sweepSeeds = new double[seeds];
                for (int seed = 1; seed <= seeds; seed++)
                {
                    oursSeeds[seed - 1] = TraceReplay.replay(keys,
                        new CacheContext().policy(CachePolicy.LFU).maxEntries(capacity).lfuSeed(seed));
                    sweepSeeds[seed - 1] = TraceReplay.replay(keys,
                        new CacheContext().policy(CachePolicy.LFU).maxEntries(capacity).lfuSeed(seed).lfuSweep(true));
                    redisSeeds[seed - 1] = SampledLfu.replay(keys, capacity, DEFAULTS.lfuSamples(),
                        DEFAULTS.lfuLogFactor(), DEFAULTS.lfuDecayNanos(), seed);
                }
                final double lruAdmission = TraceReplay.replay(keys,
                    new CacheContext().policy(CachePolicy.LRU).maxEntries(capacity).admission(true));
                final double lfuAdmission = TraceReplay.replay(keys,
                    new CacheContext().policy(CachePolicy.LFU).maxEntries(capacity).admission(true));
                final double caffeine = caffeine(keys, capacity);
                final double belady = belady(keys, capacity);
                System.out.printf(Locale.ROOT,
                    "| %s | %d | %.4f | %.4f | %.4f | %s | %s | %s | %s | %s | %.4f | %.4f | %.4f | %.4f |%n",
                    trace.file(), capacity, oursLru, exactLru, oursLfu, spread(oursSeeds), spread(redisSeeds),
                    difference(oursSeeds, redisSeeds), spread(sweepSeeds), difference(sweepSeeds, redisSeeds),
                    lruAdmission, lfuAdmission, caffeine, belady);
            }
        }
    }

    private static double mean(final double[] values)
    {
        return Arrays.stream(values).average().orElseThrow();
    }

    /**
     * @return the difference of the means with its 95% interval, {@code +d [low, high]}: Welch's, by the normal
     * approximation (1.96 standard errors), which needs some tens of seeds per side to be fair; "n/a" for one seed.
     */
    static String difference(final double[] ours, final double[] theirs)
    {
        final double difference = mean(ours) - mean(theirs);
        if (ours.length < 2 || theirs.length < 2)
        {
            return String.format(Locale.ROOT, "%+.4f [n/a]", difference);
        }
        final double halfWidth = 1.96 * Math.sqrt(variance(ours) / ours.length + variance(theirs) / theirs.length);
        return String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", difference, difference - halfWidth,
            difference + halfWidth);
    }

    /**
     * @return the sample variance (n - 1 in the denominator).
     */
    private static double variance(final double[] values)
    {
        final double mean = mean(values);
        double squares = 0;
        for (final double value : values)
        {
            squares += (value - mean) * (value - mean);
        }
        return squares / (values.length - 1);
    }

    private static String spread(final double[] values)
    {
        return String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", mean(values),
            Arrays.stream(values).min().orElseThrow(), Arrays.stream(values).max().orElseThrow());
    }

    static long[] load(final Path file, final TraceFormat format) throws IOException
    {
        try (InputStream in = TraceReplay.open(file.toString()))
        {
            return format.readAll(in);
        }
    }

    static double exactLru(final long[] keys, final int capacity)
    {
        final LinkedHashMap<Long, Boolean> lru = new LinkedHashMap<>(capacity * 2, 0.75f, true)
        {
            private static final long serialVersionUID = 1L;

            protected boolean removeEldestEntry(final Map.Entry<Long, Boolean> eldest)
            {
                return size() > capacity;
            }
        };
        long hits = 0;
        for (final long key : keys)
        {
            if (null != lru.get(key))
            {
                hits++;
            }
            else
            {
                lru.put(key, Boolean.TRUE);
            }
        }
        return (double)hits / keys.length;
    }

    static double caffeine(final long[] keys, final int capacity)
    {
        final Cache<Long, Long> cache = Caffeine.newBuilder().maximumSize(capacity).executor(Runnable::run).build();
        long hits = 0;
        for (final long key : keys)
        {
            if (null != cache.getIfPresent(key))
            {
                hits++;
            }
            else
            {
                cache.put(key, key);
            }
        }
        return (double)hits / keys.length;
    }

    /**
     * Belady's MIN: on a miss in a full cache, evict the resident key whose next use is farthest away.
     */
    static double belady(final long[] keys, final int capacity)
    {
        final long[] nextUse = new long[keys.length];
        final HashMap<Long, Integer> seen = new HashMap<>();
        for (int i = keys.length - 1; i >= 0; i--)
        {
            final Integer next = seen.put(keys[i], i);
            nextUse[i] = null == next ? Long.MAX_VALUE - i : next;
        }
        final TreeMap<Long, Long> residentsByNextUse = new TreeMap<>();
        final HashMap<Long, Long> nextUseOfResident = new HashMap<>();
        long hits = 0;
        for (int i = 0; i < keys.length; i++)
        {
            final long key = keys[i];
            final Long current = nextUseOfResident.get(key);
            if (null != current)
            {
                hits++;
                residentsByNextUse.remove(current);
            }
            else if (nextUseOfResident.size() == capacity)
            {
                final Map.Entry<Long, Long> farthest = residentsByNextUse.pollLastEntry();
                nextUseOfResident.remove(farthest.getValue());
            }
            residentsByNextUse.put(nextUse[i], key);
            nextUseOfResident.put(key, nextUse[i]);
        }
        return (double)hits / keys.length;
    }

    /** The LFU settings of our caches (Redis's defaults), which the Redis baseline runs with. */
    static final CacheContext DEFAULTS = new CacheContext();
}
