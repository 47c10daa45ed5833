package dev.grid.jmh.e2e;

import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures the three systems the same way: a fixed number of warm-up operations, then a fixed number of measured
 * ones, each one's latency recorded in an HdrHistogram (nanoseconds), and the process's CPU time over the measured
 * part. Every system runs in this JVM, one after the other, so the process's CPU time while a series runs is that
 * system's (and the load generator's) CPU use.
 * <p>
 * Latency series run back to back (the next operation starts when the previous one returned) unless paced: at a
 * fixed rate, each operation's latency counts from its intended start, so a stall is charged to every operation it
 * delayed (no coordinated omission).
 */
final class Harness
{
    /** Longest latency the histograms hold. */
    private static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(30);
    /** Below this much time to wait for an intended start, spin; above it, park for most of it. */
    private static final long PACING_SPIN_NS = 60_000;

    /**
     * One operation of a latency series; returns when it completed (its answer arrived).
     */
    @FunctionalInterface
    interface Operation
    {
        void run() throws Exception;
    }

    /**
     * A pipelined run: submits operations, at most a window of them outstanding, until a count completed.
     */
    @FunctionalInterface
    interface PipelinedRun
    {
        /**
         * @param operations how many to complete.
         * @param window     how many may be outstanding at once.
         */
        void run(long operations, int window) throws Exception;
    }

    /**
     * A latency series' result.
     *
     * @param system    which system (ours or a peer).
     * @param operation what was measured.
     * @param histogram latencies in nanoseconds.
     * @param wallNs    wall time of the measured part.
     * @param cpuNs     process CPU time over the measured part.
     * @param load      the system load average (1 minute) when the series ended.
     */
    record LatencyResult(String system, String operation, Histogram histogram, long wallNs, long cpuNs, double load)
    {
        double cpuCores()
        {
            return (double)cpuNs / wallNs;
        }

        String name()
        {
            return system + " " + operation;
        }
    }

    /**
     * A throughput run's result.
     *
     * @param system     which system.
     * @param operation  what was measured.
     * @param operations how many completed.
     * @param window     outstanding at most.
     * @param wallNs     from the first submission to the last completion.
     * @param cpuNs      process CPU time over the same span.
     * @param load       the system load average (1 minute) when the run ended.
     */
    record ThroughputResult(
        String system, String operation, long operations, int window, long wallNs, long cpuNs, double load)
    {
        double opsPerSecond()
        {
            return operations * 1e9 / wallNs;
        }

        double cpuCores()
        {
            return (double)cpuNs / wallNs;
        }
    }

    private final int warmupOperations;
    private final int measuredOperations;
    private final long intervalNs;
    private final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();

    /**
     * @param warmupOperations   run before measuring, per series.
     * @param measuredOperations recorded per series.
     * @param ratePerSecond      pace of a latency series; 0 runs back to back.
     */
    Harness(final int warmupOperations, final int measuredOperations, final int ratePerSecond)
    {
        if (warmupOperations < 0 || measuredOperations < 1 || ratePerSecond < 0)
        {
            throw new IllegalArgumentException("warm-up must be >= 0, measured operations >= 1, rate >= 0");
        }
        this.warmupOperations = warmupOperations;
        this.measuredOperations = measuredOperations;
        this.intervalNs = 0 == ratePerSecond ? 0 : TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
    }

    int measuredOperations()
    {
        return measuredOperations;
    }

    /**
     * @return the pause between intended starts, 0 if back to back.
     */
    long intervalNs()
    {
        return intervalNs;
    }

    LatencyResult latency(final String system, final String operation, final Operation op) throws Exception
    {
        final Histogram warmup = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        run(op, warmupOperations, warmup);
        final Histogram histogram = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        final long cpuStart = os.getProcessCpuTime();
        final long wallStart = System.nanoTime();
        run(op, measuredOperations, histogram);
        final long wallNs = System.nanoTime() - wallStart;
        final long cpuNs = os.getProcessCpuTime() - cpuStart;
        return new LatencyResult(system, operation, histogram, wallNs, cpuNs, os.getSystemLoadAverage());
    }

    ThroughputResult throughput(
        final String system, final String operation, final long warmup, final long operations, final int window,
        final PipelinedRun run) throws Exception
    {
        run.run(warmup, window);
        final long cpuStart = os.getProcessCpuTime();
        final long wallStart = System.nanoTime();
        run.run(operations, window);
        final long wallNs = System.nanoTime() - wallStart;
        final long cpuNs = os.getProcessCpuTime() - cpuStart;
        return new ThroughputResult(system, operation, operations, window, wallNs, cpuNs, os.getSystemLoadAverage());
    }

    double loadAverage()
    {
        return os.getSystemLoadAverage();
    }

    private void run(final Operation op, final int count, final Histogram histogram) throws Exception
    {
        final long start = System.nanoTime();
        for (int i = 0; i < count; i++)
        {
            final long intendedStart;
            if (0 == intervalNs)
            {
                intendedStart = System.nanoTime();
            }
            else
            {
                intendedStart = start + i * intervalNs;
                awaitTime(intendedStart);
            }
            op.run();
            histogram.recordValue(Math.min(HIGHEST_TRACKABLE_NS, System.nanoTime() - intendedStart));
        }
    }

    private static void awaitTime(final long deadlineNs)
    {
        long now;
        while ((now = System.nanoTime()) < deadlineNs)
        {
            final long remaining = deadlineNs - now;
            if (remaining > PACING_SPIN_NS)
            {
                LockSupport.parkNanos(remaining - PACING_SPIN_NS);
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }
}
