package dev.grid.jmh.e2e;

import dev.grid.bench.LatencyPlot;
import dev.grid.jmh.e2e.Harness.LatencyResult;
import dev.grid.jmh.e2e.Harness.ThroughputResult;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of one run: Markdown tables (latency percentiles, throughput, CPU, the targets as ratios),
 * one .hgrm percentile file per latency series, and a PNG plot of all of them.
 */
final class Report
{
    static final String PUT = "put";
    static final String GET_LINEARIZABLE = "get linearizable";
    static final String GET_LOCAL_CLIENT = "get local (client)";
    static final String GET_LOCAL_EMBEDDED = "get local (embedded)";
    static final String LOCK_UNLOCK = "lock+unlock";
    static final String ECHO = "echo";
    static final String PIPELINED_PUT = "pipelined put";
    static final String PIPELINED_ECHO = "pipelined echo";

    private static final double NS_PER_US = 1000.0;

    private final List<LatencyResult> latencies;
    private final List<ThroughputResult> throughputs;

    Report(final List<LatencyResult> latencies, final List<ThroughputResult> throughputs)
    {
        this.latencies = latencies;
        this.throughputs = throughputs;
    }

    /**
     * Writes the .hgrm files, the plot and summary.md into {@code out}.
     *
     * @param header lines describing the run (machine, JDK, settings), written before the tables.
     */
    void write(final Path out, final List<String> header) throws IOException
    {
        Files.createDirectories(out);
        for (final LatencyResult result : latencies)
        {
            try (PrintStream file = new PrintStream(
                Files.newOutputStream(out.resolve(slug(result.name()) + ".hgrm")), false, StandardCharsets.UTF_8))
            {
                result.histogram().outputPercentileDistribution(file, NS_PER_US);
            }
        }
        if (!latencies.isEmpty())
        {
            final List<LatencyPlot.Series> series = new ArrayList<>();
            for (final LatencyResult result : latencies)
            {
                series.add(new LatencyPlot.Series(result.name(), result.histogram()));
            }
            LatencyPlot.writePng(out.resolve("latency.png"),
                "End-to-end round trips, 3 members in one JVM over loopback", series);
        }
        try (PrintStream summary = new PrintStream(
            Files.newOutputStream(out.resolve("summary.md")), false, StandardCharsets.UTF_8))
        {
            header.forEach(line -> summary.println(line.isEmpty() ? "" : "- " + line));
            summary.println();
            print(summary);
        }
    }

    void print(final PrintStream out)
    {
        if (!latencies.isEmpty())
        {
            out.println("| system | operation | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | ops | CPU (cores) |");
            out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            for (final LatencyResult result : latencies)
            {
                final Histogram h = result.histogram();
                out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %,d | %.2f |%n",
                    result.system(), result.operation(), micros(h.getValueAtPercentile(50)),
                    micros(h.getValueAtPercentile(90)), micros(h.getValueAtPercentile(99)),
                    micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), h.getTotalCount(),
                    result.cpuCores());
            }
            out.println();
        }
        if (!throughputs.isEmpty())
        {
            out.println("| system | operation | window | ops | ops/s | CPU (cores) |");
            out.println("|---|---|---:|---:|---:|---:|");
            for (final ThroughputResult result : throughputs)
            {
                out.printf(Locale.ROOT, "| %s | %s | %d | %,d | %,.0f | %.2f |%n", result.system(), result.operation(),
                    result.window(), result.operations(), result.opsPerSecond(), result.cpuCores());
            }
            out.println();
        }
        final List<String> targets = targets();
        if (!targets.isEmpty())
        {
            out.println("| target | ours | against | ratio | met |");
            out.println("|---|---:|---:|---:|---|");
            targets.forEach(out::println);
            out.println();
        }
    }

    private List<String> targets()
    {
        final List<String> rows = new ArrayList<>();
        final LatencyResult put = latency(GridSystem.NAME, PUT);
        final LatencyResult echo = latency(AeronClusterSystem.NAME, ECHO);
        final LatencyResult lock = latency(GridSystem.NAME, LOCK_UNLOCK);
        final LatencyResult hazelcastLock = latency(HazelcastSystem.NAME, LOCK_UNLOCK);
        final LatencyResult localGet = latency(GridSystem.NAME, GET_LOCAL_EMBEDDED);
        final ThroughputResult putThroughput = throughput(GridSystem.NAME, PIPELINED_PUT);
        final ThroughputResult echoThroughput = throughput(AeronClusterSystem.NAME, PIPELINED_ECHO);
        if (null != put && null != echo)
        {
            rows.add(atMost("put p50 ≤ 0.8× Aeron Cluster echo p50", p(put, 50), p(echo, 50), 0.8));
            rows.add(atMost("put p99 ≤ 1.0× Aeron Cluster echo p99", p(put, 99), p(echo, 99), 1.0));
        }
        if (null != putThroughput && null != echoThroughput)
        {
            final double ratio = putThroughput.opsPerSecond() / echoThroughput.opsPerSecond();
            rows.add(String.format(Locale.ROOT, "| pipelined put ≥ 1.0× Aeron Cluster pipelined echo | %,.0f/s | " +
                "%,.0f/s | %.2f | %s |", putThroughput.opsPerSecond(), echoThroughput.opsPerSecond(), ratio,
                ratio >= 1.0 ? "yes" : "**no**"));
        }
        if (null != localGet)
        {
            final long p50 = p(localGet, 50);
            rows.add(String.format(Locale.ROOT, "| local get p50 ≤ 1 µs | %s µs | 1 µs | %.2f | %s |", micros(p50),
                p50 / NS_PER_US, p50 <= NS_PER_US ? "yes" : "**no**"));
        }
        if (null != lock && null != put)
        {
            rows.add(atMost("lock+unlock p50 ≤ 2× our put p50", p(lock, 50), p(put, 50), 2.0));
        }
        if (null != lock && null != hazelcastLock)
        {
            rows.add(atMost("lock+unlock p50 ≤ 0.2× Hazelcast CP FencedLock p50", p(lock, 50),
                p(hazelcastLock, 50), 0.2));
            rows.add(atMost("lock+unlock p99 ≤ 0.2× Hazelcast CP FencedLock p99", p(lock, 99),
                p(hazelcastLock, 99), 0.2));
        }
        return rows;
    }

    private static String atMost(final String target, final long ours, final long theirs, final double bound)
    {
        final double ratio = (double)ours / theirs;
        return String.format(Locale.ROOT, "| %s | %s µs | %s µs | %.2f | %s |", target, micros(ours), micros(theirs),
            ratio, ratio <= bound ? "yes" : "**no**");
    }

    private LatencyResult latency(final String system, final String operation)
    {
        for (final LatencyResult result : latencies)
        {
            if (result.system().equals(system) && result.operation().equals(operation))
            {
                return result;
            }
        }
        return null;
    }

    private ThroughputResult throughput(final String system, final String operation)
    {
        for (final ThroughputResult result : throughputs)
        {
            if (result.system().equals(system) && result.operation().equals(operation))
            {
                return result;
            }
        }
        return null;
    }

    private static long p(final LatencyResult result, final double percentile)
    {
        return result.histogram().getValueAtPercentile(percentile);
    }

    static String micros(final long nanos)
    {
        final double us = nanos / NS_PER_US;
        return String.format(Locale.ROOT, us < 10 ? "%.2f" : us < 100 ? "%.1f" : "%,.0f", us);
    }

    static String slug(final String name)
    {
        return name.toLowerCase(Locale.ROOT).replace("+", "-").replaceAll("[^a-z0-9]+", "-")
            .replaceAll("^-|-$", "");
    }
}
