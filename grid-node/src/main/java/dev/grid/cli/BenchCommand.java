package dev.grid.cli;

import dev.grid.bench.FixedRateRun;
import dev.grid.bench.LatencyPlot;
import dev.grid.bench.NumberedKeys;
import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridClientException;
import dev.grid.client.GridLocks;
import dev.grid.client.GridRequest;
import dev.grid.client.ResponseHandler;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code grid bench}: a fixed-rate latency run against a running cluster ({@link FixedRateRun}), with HdrHistogram
 * percentiles printed and written as an {@code .hgrm} file and a PNG percentile plot ({@link LatencyPlot}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Runs one operation at a fixed rate against a running cluster (--dir, or -Dgrid.members via " +
            "GRID_JAVA_OPTS) and prints its latency percentiles (p50, p90, p99, p99.9, p99.99, max), the count and " +
            "the achieved rate; writes OP-RATE.hgrm (HdrHistogram percentile distribution, microseconds) and " +
            "OP-RATE.png (latency by percentile) to --out.",
        "Coordinated omission is corrected: operation n is due at start + n / rate, and its latency is measured " +
            "from that scheduled time, not from when it was sent. When the grid stalls, the operations due " +
            "meanwhile are sent late and their wait counts, as a steady stream of users would have felt it.",
        "put, get and get-local keep up to --in-flight operations outstanding through the client's " +
            "allocation-free asynchronous API; a lock round trip (lock, then unlock) is synchronous, one at a time. " +
            "get and get-local read keys that the command first writes.",
        "Exit codes: 0 every operation succeeded; 2 bad arguments (also a value over the grid's limit); 3 no " +
            "leader, or some operations failed or went unanswered (the files are written anyway)."})
final class BenchCommand implements Callable<Integer>
{
    /** The lock a {@code --op lock} run takes and releases. */
    static final String LOCK_NAME = "grid-bench";
    /** The percentiles printed, as HdrHistogram takes them. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    @Spec
    CommandSpec spec;

    @Option(names = "--op", paramLabel = "OP", defaultValue = "put",
        description = "put, get (linearizable, through the leader), get-local (the replica the client talks to, " +
            "may be stale) or lock (lock + unlock round trip) (default: ${DEFAULT-VALUE})")
    String op;

    @Option(names = "--rate", paramLabel = "OPS", defaultValue = "1000",
        description = "operations started per second, 1 to 1,000,000 (default: ${DEFAULT-VALUE})")
    long rate;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s",
        description = "how long latencies are recorded, after the warm-up (default: ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "2s",
        description = "how long the same schedule runs first, not recorded (default: ${DEFAULT-VALUE})")
    String warmup;

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "32",
        description = "bytes per value put (and read), 1 to 65536; the grid refuses more than its " +
            "grid.cache.max.value.length (default: ${DEFAULT-VALUE})")
    int valueSize;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "10000",
        description = "distinct keys, used in turn (bench-0, bench-1, ...) (default: ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--cache", paramLabel = "CACHE", defaultValue = "default",
        description = "the cache to use (default: ${DEFAULT-VALUE})")
    String cache;

    @Option(names = "--in-flight", paramLabel = "N", defaultValue = "16",
        description = "cache operations outstanding at once, 1 to 64; a due operation waits for one to finish " +
            "and the wait counts in its latency (default: ${DEFAULT-VALUE})")
    int inFlight;

    @Option(names = "--idle", paramLabel = "HOW", defaultValue = "backoff",
        description = "how the sender waits for the next scheduled time: backoff (park, then spin at most 50 us " +
            "and a tenth of the interval: about a tenth of a core at most), park (least CPU; the OS's wake-up " +
            "delay counts in the latency) or spin (a whole core; isolated cores only) (default: ${DEFAULT-VALUE})")
    String idle;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "grid-bench",
        description = "where the .hgrm and .png files go (default: ${DEFAULT-VALUE})")
    Path out;

    @Mixin
    ClientOptions cluster;

    public Integer call() throws IOException
    {
        final Operation operation = Operation.of(op);
        final FixedRateRun.Context run = runContext(operation);
        if (valueSize < 1 || valueSize > 65_536)
        {
            throw new CliException(GridCli.USAGE, "--value-size must be 1 to 65536 bytes, not " + valueSize);
        }
        if (keys < 1 || keys > 100_000_000)
        {
            throw new CliException(GridCli.USAGE, "--keys must be 1 to 100,000,000, not " + keys);
        }
        final PrintWriter printer = spec.commandLine().getOut();
        try (GridClient client = cluster.connect())
        {
            final GridCache gridCache = client.cache(cache);
            final NumberedKeys numberedKeys = new NumberedKeys("bench", keys, valueSize);
            final Outcomes outcomes = new Outcomes();
            final FixedRateRun.Operation issuer = operation.issuer(client, gridCache, numberedKeys, outcomes);
            printer.printf("grid bench: %s at %,d ops/s for %s after %s of warm-up, %d-byte values over %,d keys, " +
                "up to %d in flight, idle %s%n", op, rate, duration, warmup, valueSize, keys, run.maxInFlight(),
                run.idle().name().toLowerCase(Locale.ROOT));
            printer.printf("cluster %s, leader member %d, client session %d%n", cluster.cluster.spec().members(),
                client.leaderMemberId(), client.sessionId());
            printer.flush();
            if (!operation.synchronous())
            {
                putFirstKey(gridCache, numberedKeys);
            }
            if (operation.readsKeys())
            {
                fill(gridCache, numberedKeys, printer);
            }
            final FixedRateRun.Result result = new FixedRateRun(run).run(issuer);
            printResult(printer, result, outcomes, "latency from each operation's scheduled start " +
                "(coordinated omission corrected):");
            final Path hgrm = out.resolve(op + "-" + rate + ".hgrm");
            final Path png = out.resolve(op + "-" + rate + ".png");
            writeFiles(result, hgrm, png);
            printer.println("wrote " + hgrm + " (percentile distribution in microseconds) and " + png);
            printer.flush();
            if (result.failed() > 0 || result.unanswered() > 0)
            {
                throw new CliException(GridCli.UNAVAILABLE, String.format("%,d of %,d operations failed%s and " +
                    "%,d went unanswered", result.failed(), result.scheduled(), outcomes.describe(),
                    result.unanswered()));
            }
            return GridCli.OK;
        }
    }

    private FixedRateRun.Context runContext(final Operation operation)
    {
        if (rate < 1 || rate > 1_000_000)
        {
            throw new CliException(GridCli.USAGE, "--rate must be 1 to 1,000,000 operations per second, not " +
                rate);
        }
        final long durationNs = ClusterOptions.duration("--duration", duration);
        if (0 == durationNs)
        {
            throw new CliException(GridCli.USAGE, "--duration must be positive");
        }
        if (inFlight < 1 || inFlight > 64)
        {
            throw new CliException(GridCli.USAGE, "--in-flight must be 1 to 64, not " + inFlight);
        }
        final FixedRateRun.Context ctx = new FixedRateRun.Context()
            .rate(rate)
            .durationNs(durationNs)
            .warmupNs(ClusterOptions.duration("--warmup", warmup))
            .maxInFlight(operation.synchronous() ? 1 : inFlight)
            .idle(idleOf(idle))
            .drainTimeoutNs(ClusterOptions.duration("--timeout", cluster.timeout) + TimeUnit.SECONDS.toNanos(1));
        try
        {
            return ctx.conclude();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CliException(GridCli.USAGE, ex.getMessage());
        }
    }

    private static FixedRateRun.Idle idleOf(final String name)
    {
        for (final FixedRateRun.Idle value : FixedRateRun.Idle.values())
        {
            if (value.name().equalsIgnoreCase(name))
            {
                return value;
            }
        }
        throw new CliException(GridCli.USAGE, "--idle must be backoff, park or spin, not " + name);
    }

    /**
     * One synchronous put before the run, so that a value the grid refuses (over its limit) is a clear error, not a
     * run of failures.
     */
    private static void putFirstKey(final GridCache gridCache, final NumberedKeys numberedKeys)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[numberedKeys.maxKeyLength()]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[numberedKeys.maxValueLength()]);
        gridCache.put(key, 0, numberedKeys.key(key, 0), value, 0, numberedKeys.value(value, 0));
    }

    /**
     * Puts every key the run reads.
     */
    private void fill(final GridCache gridCache, final NumberedKeys numberedKeys, final PrintWriter printer)
    {
        final long startNs = System.nanoTime();
        final int failed = numberedKeys.putAll(gridCache, ClusterOptions.duration("--timeout", cluster.timeout));
        if (failed > 0)
        {
            throw new CliException(GridCli.UNAVAILABLE, String.format("%,d of %,d keys could not be written " +
                "before the run", failed, numberedKeys.count()));
        }
        printer.printf("wrote the %,d keys to read in %,d ms%n", numberedKeys.count(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
        printer.flush();
    }

    /**
     * Prints the percentiles, count, achieved rate and the sender's own lateness, in microseconds.
     */
    static void printResult(
        final PrintWriter printer, final FixedRateRun.Result result, final Outcomes outcomes, final String heading)
    {
        final Histogram latency = result.latencyNs();
        printer.println(heading);
        for (final double percentile : PERCENTILES)
        {
            printer.printf("  %-9s %,12.1f us%n", percentileName(percentile),
                micros(latency.getValueAtPercentile(percentile)));
        }
        printer.printf("  %-9s %,12.1f us%n", "max", micros(latency.getMaxValue()));
        printer.printf("  %-9s %,10d    of %,d scheduled%n", "count", latency.getTotalCount(), result.scheduled());
        printer.printf("  %-9s %,12.1f ops/s%n", "achieved", result.achievedRate());
        final Histogram lateness = result.senderLatenessNs();
        printer.printf("sender lateness (part of the latency): p50 %,.1f us, p99 %,.1f us, max %,.1f us%n",
            micros(lateness.getValueAtPercentile(50)), micros(lateness.getValueAtPercentile(99)),
            micros(lateness.getMaxValue()));
        if (result.failed() > 0 || result.unanswered() > 0)
        {
            printer.printf("failed %,d%s, unanswered %,d%n", result.failed(), outcomes.describe(),
                result.unanswered());
        }
        printer.flush();
    }

    static String percentileName(final double percentile)
    {
        return "p" + (percentile == Math.rint(percentile) ? Long.toString((long)percentile) :
            Double.toString(percentile));
    }

    static double micros(final long nanos)
    {
        return nanos / 1_000.0;
    }

    private void writeFiles(final FixedRateRun.Result result, final Path hgrm, final Path png) throws IOException
    {
        Files.createDirectories(out);
        if (0 == result.latencyNs().getTotalCount())
        {
            throw new CliException(GridCli.UNAVAILABLE, "no operation succeeded: nothing to write to " + out);
        }
        try (PrintStream stream = new PrintStream(Files.newOutputStream(hgrm), false, StandardCharsets.US_ASCII))
        {
            result.latencyNs().outputPercentileDistribution(stream, 1_000.0);
        }
        LatencyPlot.writePng(png, String.format("grid bench: %s at %,d ops/s, %d-byte values (latency from the " +
            "scheduled start)", op, rate, valueSize), List.of(new LatencyPlot.Series(op, result.latencyNs())));
    }

    /**
     * The operations {@code --op} names.
     */
    enum Operation
    {
        PUT("put"),
        GET("get"),
        GET_LOCAL("get-local"),
        LOCK("lock");

        private final String option;

        Operation(final String option)
        {
            this.option = option;
        }

        static Operation of(final String option)
        {
            for (final Operation operation : values())
            {
                if (operation.option.equals(option))
                {
                    return operation;
                }
            }
            throw new CliException(GridCli.USAGE, "--op must be put, get, get-local or lock, not " + option);
        }

        boolean readsKeys()
        {
            return GET == this || GET_LOCAL == this;
        }

        boolean synchronous()
        {
            return LOCK == this;
        }

        FixedRateRun.Operation issuer(
            final GridClient client, final GridCache cache, final NumberedKeys keys, final Outcomes outcomes)
        {
            switch (this)
            {
                case PUT:
                    return new CacheOperation(cache, keys, null, outcomes);
                case GET:
                    return new CacheOperation(cache, keys, ReadConsistency.LINEARIZABLE, outcomes);
                case GET_LOCAL:
                    return new CacheOperation(cache, keys, ReadConsistency.LOCAL, outcomes);
                default:
                    return new LockRoundTrip(client.locks(), client.context().requestTimeoutNs(), outcomes);
            }
        }
    }

    /**
     * A put or get through the client's asynchronous API: one handler per slot, bound before the run, so an
     * operation allocates nothing.
     */
    static final class CacheOperation implements FixedRateRun.Operation
    {
        private final GridCache cache;
        private final NumberedKeys keys;
        private final ReadConsistency readConsistency;
        private final Outcomes outcomes;
        private final UnsafeBuffer key;
        private final UnsafeBuffer value;
        private final List<ResponseHandler> handlers = new ArrayList<>();

        /**
         * @param readConsistency null for a put.
         */
        CacheOperation(
            final GridCache cache, final NumberedKeys keys, final ReadConsistency readConsistency,
            final Outcomes outcomes)
        {
            this.cache = cache;
            this.keys = keys;
            this.readConsistency = readConsistency;
            this.outcomes = outcomes;
            key = new UnsafeBuffer(new byte[keys.maxKeyLength()]);
            value = new UnsafeBuffer(new byte[keys.maxValueLength()]);
        }

        public void prepare(final FixedRateRun.Slot slot)
        {
            handlers.add(slot.index(), request -> slot.complete(outcomes.succeeded(request)));
        }

        public void issue(final FixedRateRun.Slot slot, final long sequence)
        {
            final int number = (int)(sequence % keys.count());
            final int keyLength = keys.key(key, number);
            final ResponseHandler handler = handlers.get(slot.index());
            if (null == readConsistency)
            {
                cache.putAsync(key, 0, keyLength, value, 0, keys.value(value, number), handler);
            }
            else
            {
                cache.getAsync(key, 0, keyLength, readConsistency, handler);
            }
        }
    }

    /**
     * Takes the lock and releases it, synchronously, on the sender's thread.
     */
    static final class LockRoundTrip implements FixedRateRun.Operation
    {
        private final GridLocks locks;
        private final long waitNs;
        private final Outcomes outcomes;

        LockRoundTrip(final GridLocks locks, final long waitNs, final Outcomes outcomes)
        {
            this.locks = locks;
            this.waitNs = waitNs;
            this.outcomes = outcomes;
        }

        public void issue(final FixedRateRun.Slot slot, final long sequence)
        {
            boolean ok = false;
            try
            {
                final long token = locks.tryLock(LOCK_NAME, waitNs, TimeUnit.NANOSECONDS);
                if (0 == token)
                {
                    outcomes.count(Status.TIMEOUT);
                }
                else
                {
                    locks.unlock(LOCK_NAME, token);
                    ok = true;
                }
            }
            catch (final GridClientException ex)
            {
                outcomes.count(ex.status());
            }
            slot.complete(ok);
        }
    }

    /**
     * How many operations failed with each status, counted from any thread without allocating.
     */
    static final class Outcomes
    {
        private final Status[] statuses = Status.values();
        private final AtomicLongArray failures = new AtomicLongArray(statuses.length);

        /**
         * @return whether the grid and the cache both answered OK; counts the failure otherwise.
         */
        boolean succeeded(final GridRequest request)
        {
            if (Status.OK != request.status())
            {
                count(request.status());
                return false;
            }
            final Status cacheStatus = request.cacheResponse().status();
            if (Status.OK != cacheStatus)
            {
                count(cacheStatus);
                return false;
            }
            return true;
        }

        void count(final Status status)
        {
            failures.incrementAndGet(null == status ? Status.NULL_VAL.ordinal() : status.ordinal());
        }

        /**
         * @return e.g. " (TIMEOUT 3, NOT_LEADER 1)", or "" if nothing failed.
         */
        String describe()
        {
            final List<String> parts = new ArrayList<>();
            for (int i = 0; i < statuses.length; i++)
            {
                if (failures.get(i) > 0)
                {
                    parts.add(statuses[i] + " " + failures.get(i));
                }
            }
            return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
        }
    }
}
