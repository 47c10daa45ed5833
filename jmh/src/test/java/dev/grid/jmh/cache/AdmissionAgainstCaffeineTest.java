package dev.grid.jmh.cache;

import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import dev.grid.cache.trace.TraceFormat;
import dev.grid.cache.trace.TraceReplay;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hit-ratio goal for the admission option: W-TinyLFU over our LRU comes within 1 point of Caffeine (its
 * design, run in the same test) on generated workloads that every build checks, and on the real traces of
 * docs/benchmarks.md where shared/traces is present. The admission code before the segmented main order and the
 * climber's noise hold failed three of the four generated ones (skewed by 2.7 points, looping by 1.9, scans by 1.7).
 * Caffeine's sketch is randomly seeded: its hit ratios here move by up to 0.3 points between runs, and ours are
 * 0.2 points below it at worst (shifting), so the checks are not on a knife edge. Where we are weakest, loops two to
 * three times the cache, we are 0.4-1.4 points below Caffeine (docs/benchmarks.md), as on the gli rows.
 */
class AdmissionAgainstCaffeineTest
{
    private static final double ONE_POINT = 0.01;

    private static double ours(final long[] trace, final int capacity)
    {
        return TraceReplay.replay(trace, new CacheContext().policy(CachePolicy.LRU).maxEntries(capacity)
            .admission(true));
    }

    private static void assertWithinOnePointOfCaffeine(final long[] trace, final int capacity)
    {
        final double caffeine = HitRatioReport.caffeine(trace, capacity);
        assertThat(ours(trace, capacity)).as("Caffeine: %.4f", caffeine).isGreaterThanOrEqualTo(caffeine - ONE_POINT);
    }

    /**
     * @param workload skewed: Zipf-like (key = n^3 of a uniform draw: a few keys take most accesses); looping: a
     *                 cycle 1.5 times the cache, 20% random noise (LRU's worst case, gli-like); scans: skewed
     *                 accesses interrupted by runs of one-time keys; shifting: the hot set moves every 100,000
     *                 accesses, so the window must adapt.
     */
    @ParameterizedTest
    @CsvSource({"skewed, 1000", "looping, 1000", "scans, 1000", "shifting, 2000"})
    void withinOnePointOfCaffeineOnGeneratedWorkloads(final String workload, final int capacity)
    {
        final SplittableRandom random = new SplittableRandom(workload.hashCode());
        final long[] trace = new long[400_000];
        long scanKey = 1L << 40;
        for (int i = 0; i < trace.length; i++)
        {
            final double u = random.nextDouble();
            trace[i] = switch (workload)
            {
                case "skewed" -> (long)(u * u * u * 100_000);
                case "looping" -> random.nextInt(10) < 8 ? i % 1_500 : random.nextInt(50_000);
                case "scans" -> (i / 5_000) % 4 == 3 ? scanKey++ : (long)(u * u * u * 50_000);
                case "shifting" -> (i / 100_000) * 1_000_000L + (long)(u * u * u * 20_000);
                default -> throw new IllegalArgumentException(workload);
            };
        }
        assertWithinOnePointOfCaffeine(trace, capacity);
    }

    @ParameterizedTest
    @CsvSource({
        "lirs_gli.trace.gz, LIRS, 250", "lirs_gli.trace.gz, LIRS, 500", "lirs_gli.trace.gz, LIRS, 1000",
        "lirs_multi2.trace.gz, LIRS, 500", "lirs_multi2.trace.gz, LIRS, 1000", "lirs_multi2.trace.gz, LIRS, 2000",
        "cache2k_web07.trace.xz, CACHE2K, 500", "cache2k_web07.trace.xz, CACHE2K, 2000",
        "cache2k_web07.trace.xz, CACHE2K, 8000", "cache2k_orm-busy.trace.xz, CACHE2K, 1000",
        "cache2k_orm-busy.trace.xz, CACHE2K, 5000", "cache2k_orm-busy.trace.xz, CACHE2K, 20000",
        "corda_trace_vaultservice.gz, CORDA, 1000", "corda_trace_vaultservice.gz, CORDA, 5000",
        "corda_trace_vaultservice.gz, CORDA, 20000"})
    void withinOnePointOfCaffeineOnTheSharedTraces(final String file, final TraceFormat format, final int capacity)
        throws Exception
    {
        final Path path = Path.of(System.getProperty("grid.traces.dir", "../../shared/traces")).resolve(file);
        Assumptions.assumeTrue(Files.exists(path), "shared traces not present");
        assertWithinOnePointOfCaffeine(HitRatioReport.load(path, format), capacity);
    }
}
