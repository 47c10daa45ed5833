package dev.grid.jmh.e2e;

import dev.grid.jmh.e2e.Harness.LatencyResult;
import dev.grid.jmh.e2e.Harness.ThroughputResult;
import org.agrona.IoUtil;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end round trips of our grid against Aeron Cluster and Hazelcast's CP FencedLock, all in one run and one
 * JVM (docs/benchmarks.md, "End to end"): each system is started with three members over loopback, warmed up,
 * measured, stopped and its directories deleted before the next. The same idle strategy, JVM flags, durability and
 * message size for all. Prints the tables and writes .hgrm files, a PNG plot and summary.md under {@code --out}.
 * <p>
 * {@code bin/bench-e2e [options]} builds if needed and runs it with the grid's JVM flags; {@code --help} lists the
 * options.
 */
public final class EndToEndBenchmark
{
    private EndToEndBenchmark()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h"))
        {
            System.out.println(Settings.USAGE);
            return;
        }
        final Settings settings;
        try
        {
            settings = Settings.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("bench-e2e: " + ex.getMessage());
            System.err.println(Settings.USAGE);
            System.exit(2);
            return;
        }
        final Harness harness = new Harness(settings.warmup(), settings.operations(), settings.rate());
        final List<String> header = header(settings, harness);
        header.forEach(line -> System.out.println("# " + line));

        final Path work = null != settings.work() ? settings.work() : Files.createTempDirectory("grid-e2e-");
        final List<LatencyResult> latencies = new ArrayList<>();
        final List<ThroughputResult> throughputs = new ArrayList<>();
        try
        {
            if (settings.runs(Settings.GRID))
            {
                runGrid(settings, harness, work.resolve("grid"), latencies, throughputs);
            }
            if (settings.runs(Settings.AERON))
            {
                runAeronCluster(settings, harness, work.resolve("aeron-cluster"), latencies, throughputs);
            }
            if (settings.runs(Settings.HAZELCAST))
            {
                runHazelcast(harness, latencies);
            }
        }
        finally
        {
            if (null == settings.work())
            {
                IoUtil.delete(work.toFile(), true);
            }
        }

        header.add(String.format(Locale.ROOT, "load average (1 min) at the end: %.2f", harness.loadAverage()));
        final Report report = new Report(latencies, throughputs);
        System.out.println();
        report.print(System.out);
        report.write(settings.out(), header);
        System.out.println("results: " + settings.out().toAbsolutePath() + " (summary.md, latency.png, *.hgrm)");
    }

    private static void runGrid(
        final Settings settings,
        final Harness harness,
        final Path directory,
        final List<LatencyResult> latencies,
        final List<ThroughputResult> throughputs) throws Exception
    {
        progress("starting our grid");
        try (GridSystem grid = new GridSystem(directory, settings))
        {
            progress("grid: " + grid.describe());
            grid.fill();
            latencies.add(report(harness.latency(GridSystem.NAME, Report.PUT, grid::put)));
            latencies.add(report(harness.latency(GridSystem.NAME, Report.GET_LINEARIZABLE, grid::getLinearizable)));
            latencies.add(report(harness.latency(GridSystem.NAME, Report.GET_LOCAL_CLIENT, grid::getLocalThroughClient)));
            latencies.add(report(harness.latency(GridSystem.NAME, Report.GET_LOCAL_EMBEDDED, grid::getLocalEmbedded)));
            latencies.add(report(harness.latency(GridSystem.NAME, Report.LOCK_UNLOCK, grid::lockUnlock)));
            throughputs.add(report(harness.throughput(GridSystem.NAME, Report.PIPELINED_PUT,
                settings.throughputOps() / 5, settings.throughputOps(), settings.window(), grid::pipelinedPuts)));
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
        }
    }

    private static void runAeronCluster(
        final Settings settings,
        final Harness harness,
        final Path directory,
        final List<LatencyResult> latencies,
        final List<ThroughputResult> throughputs) throws Exception
    {
        progress("starting Aeron Cluster");
        try (AeronClusterSystem cluster = new AeronClusterSystem(directory, settings))
        {
            progress("aeron-cluster: " + cluster.describe());
            latencies.add(report(harness.latency(AeronClusterSystem.NAME, Report.ECHO, cluster::echo)));
            throughputs.add(report(harness.throughput(AeronClusterSystem.NAME, Report.PIPELINED_ECHO,
                settings.throughputOps() / 5, settings.throughputOps(), settings.window(), cluster::pipelinedEchoes)));
        }
        finally
        {
            IoUtil.delete(directory.toFile(), true);
        }
    }

    private static void runHazelcast(final Harness harness, final List<LatencyResult> latencies) throws Exception
    {
        progress("starting Hazelcast");
        try (HazelcastSystem hazelcast = new HazelcastSystem())
        {
            progress("hazelcast-cp: " + hazelcast.describe());
            latencies.add(report(harness.latency(HazelcastSystem.NAME, Report.LOCK_UNLOCK, hazelcast::lockUnlock)));
        }
    }

    private static List<String> header(final Settings settings, final Harness harness)
    {
        final List<String> lines = new ArrayList<>();
        final Runtime runtime = Runtime.getRuntime();
        lines.add("JDK " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") +
            ", " + runtime.availableProcessors() + " CPUs (" + cpuModel() + "), " +
            System.getProperty("os.name") + " " + System.getProperty("os.version"));
        lines.add("JVM flags: " + String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        lines.add("idle strategy of every agent and driver: " + settings.newIdleStrategy() +
            "; application threads waiting for an answer: spin 200, yield 100, then park 50 µs");
        lines.add("durability: " + (settings.fsync() ?
            "forced to disk before acknowledging (ours: log sync BATCH; Aeron: archive and consensus module " +
                "file sync level 1)" :
            "page cache (ours: log sync NONE; Aeron: archive file sync level 0, both defaults); Hazelcast CP: memory"));
        lines.add(String.format(Locale.ROOT, "per latency series: %,d warm-up + %,d measured operations, %s; " +
            "pipelined: %,d operations, window %d; values and messages 32 bytes",
            settings.warmup(), settings.operations(),
            0 == harness.intervalNs() ? "back to back" : "paced at " + settings.rate() + "/s (from intended start)",
            settings.throughputOps(), settings.window()));
        lines.add(String.format(Locale.ROOT, "load average (1 min) at the start: %.2f", harness.loadAverage()));
        return lines;
    }

    private static String cpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // not Linux: the model is not named
        }
        return System.getProperty("os.arch");
    }

    private static LatencyResult report(final LatencyResult result)
    {
        progress(String.format(Locale.ROOT, "%s: p50 %s µs, p99 %s µs, max %s µs, CPU %.2f cores, load %.2f",
            result.name(), Report.micros(result.histogram().getValueAtPercentile(50)),
            Report.micros(result.histogram().getValueAtPercentile(99)),
            Report.micros(result.histogram().getMaxValue()), result.cpuCores(), result.load()));
        return result;
    }

    private static ThroughputResult report(final ThroughputResult result)
    {
        progress(String.format(Locale.ROOT, "%s %s: %,.0f ops/s (window %d), CPU %.2f cores, load %.2f",
            result.system(), result.operation(), result.opsPerSecond(), result.window(), result.cpuCores(),
            result.load()));
        return result;
    }

    private static void progress(final String message)
    {
        System.err.println("bench-e2e: " + message);
    }
}
