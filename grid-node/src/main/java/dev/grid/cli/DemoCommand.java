package dev.grid.cli;

import dev.grid.bench.FixedRateRun;
import dev.grid.bench.NumberedKeys;
import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridClientException;
import dev.grid.client.GridLocks;
import dev.grid.sbe.NodeRole;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import dev.grid.transport.MemberEndpoints;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code grid demo}, the README's main command: a local cluster of three node processes started as
 * {@code grid cluster start} starts them, writes, reads, a fenced lock and a stale token refused, the leader killed
 * with SIGKILL, the new leader serving with every acknowledged write, latency percentiles, and everything it started
 * stopped again: at the end, when a step fails, and on SIGINT or SIGTERM (a shutdown hook).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Starts a local 3-node cluster of separate node processes on loopback UDP (as grid cluster start does), " +
            "puts --keys keys pipelined and reads them back, measures put and get round trips, takes and releases " +
            "a fenced lock and shows a stale token refused by a fenced put, kills the leader with kill -9, shows " +
            "the new leader and how long until it served, checks that every acknowledged write is still there, " +
            "prints latency percentiles, and stops everything it started (also on Ctrl-C or when a step fails).",
        "Exit codes: 0 every step showed what it should; 1 a check failed (a write lost, a stale token accepted); " +
            "2 bad arguments; 3 the cluster did not start or serve."})
final class DemoCommand implements Callable<Integer>
{
    static final int MEMBERS = 3;
    static final String LOCK = "orders";
    static final int ROUND_TRIP_RATE = 1_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "where the nodes' data, pid files and logs go: a new or empty directory (default: a new " +
            "temporary directory); removed at the end unless --keep")
    Path directory;

    @Option(names = "--keep", description = "keep the data directory (node data and logs) after the demo")
    boolean keep;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "10000",
        description = "keys to put before the failover and check after it, 1 to 1,000,000 (default: ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
        description = "how long to wait for the nodes to start and for a leader (default: ${DEFAULT-VALUE})")
    String timeout;

    private PrintWriter out;
    private ClusterSpec cluster;
    private GridClient client;
    private boolean stopped;

    public Integer call() throws IOException
    {
        final long startNs = System.nanoTime();
        final long timeoutNs = ClusterOptions.duration("--timeout", timeout);
        if (keys < 1 || keys > 1_000_000)
        {
            throw new CliException(GridCli.USAGE, "--keys must be 1 to 1,000,000, not " + keys);
        }
        out = spec.commandLine().getOut();
        final Path dataDirectory = dataDirectory();
        final Thread stopOnExit = new Thread(() ->
        {
            say("interrupted: stopping everything the demo started");
            stopEverything(dataDirectory);
        }, "grid-demo-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        boolean done = false;
        try
        {
            run(dataDirectory, timeoutNs);
            done = true;
            return GridCli.OK;
        }
        finally
        {
            stopEverything(dataDirectory);
            try
            {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            }
            catch (final IllegalStateException shuttingDown)
            {
                // The hook runs (or ran) already; stopEverything is done once.
            }
            say(String.format("demo %s after %.1f s", done ? "done" : "failed", (System.nanoTime() - startNs) / 1e9));
        }
    }

    private void run(final Path dataDirectory, final long timeoutNs)
    {
        say("grid demo: " + MEMBERS + " node processes (separate JVMs) on loopback UDP, data in " + dataDirectory);
        final long launchNs = System.nanoTime();
        synchronized (this)
        {
            cluster = ClusterSpec.create(dataDirectory, MemberEndpoints.freeLoopback(MEMBERS).toString(), "default",
                Map.of());
            cluster.write();
        }
        final Process[] nodes = NodeProcesses.startAll(cluster, NodeProcesses.DEFAULT_HEAP, timeoutNs, out);
        final int elected = NodeProcesses.awaitLeader(cluster, timeoutNs);
        if (elected < 0)
        {
            throw new CliException(GridCli.UNAVAILABLE, "the nodes run but elected no leader within " + timeout);
        }
        say(String.format("leader: member %d (pid %d), elected %,d ms after the start", elected,
            nodes[elected].pid(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launchNs)));
        final GridClient connected = ClientOptions.connect(cluster, TimeUnit.SECONDS.toNanos(10));
        synchronized (this)
        {
            client = connected;
        }
        say("client: session " + client.sessionId() + " with the leader, member " + client.leaderMemberId());
        final GridCache cache = client.cache("default");
        final long answerTimeoutNs = TimeUnit.SECONDS.toNanos(60);

        final NumberedKeys numbered = new NumberedKeys("key", keys, 0);
        final long putStartNs = System.nanoTime();
        final int failedPuts = numbered.putAll(cache, answerTimeoutNs);
        final long putNs = System.nanoTime() - putStartNs;
        say(String.format("put %,d keys in %,d ms (pipelined, %,.0f puts/s, each acknowledged once a majority has " +
            "it): %,d failed", keys, TimeUnit.NANOSECONDS.toMillis(putNs), keys * 1e9 / putNs, failedPuts));
        check(0 == failedPuts, failedPuts + " puts were not acknowledged");
        final int wrongBefore = numbered.missingOrWrong(cache, ReadConsistency.LINEARIZABLE, answerTimeoutNs);
        say(String.format("read them back (linearizable, pipelined): %,d of %,d hold their value", keys - wrongBefore,
            keys));
        check(0 == wrongBefore, wrongBefore + " keys did not read back");
        final String sample = "key-" + (keys - 1) / 2;
        say("get " + sample + ": " + cache.get(sample, ReadConsistency.LINEARIZABLE) +
            " (linearizable, through the leader), " + cache.get(sample, ReadConsistency.LOCAL) +
            " (local, at the node the client talks to)");

        final NumberedKeys roundTripKeys = new NumberedKeys("round-trip", ROUND_TRIP_RATE, 0);
        final FixedRateRun.Result puts = roundTrips(cache, roundTripKeys, null);
        final FixedRateRun.Result gets = roundTrips(cache, numbered, ReadConsistency.LINEARIZABLE);
        say(String.format("round trips, %,d each at %,d/s: put p50 %,.0f us, get p50 %,.0f us (more below)",
            puts.scheduled(), ROUND_TRIP_RATE, BenchCommand.micros(puts.latencyNs().getValueAtPercentile(50)),
            BenchCommand.micros(gets.latencyNs().getValueAtPercentile(50))));

        showFencing(client.locks(), cache);

        final int leader = currentLeader(timeoutNs);
        final ProcessHandle killed = NodeProcesses.running(cluster, leader)
            .orElseThrow(() -> new CliException(GridCli.UNAVAILABLE, "the leader, member " + leader +
                ", is not running any more"));
        say("kill -9 of the leader, member " + leader + " (pid " + killed.pid() + ")");
        killed.destroyForcibly();
        final long killedNs = System.nanoTime();
        awaitExit(killed);
        cache.put("after-failover", "served");
        final long failoverNs = System.nanoTime() - killedNs;
        say(String.format("new leader: member %d, serving %,d ms after the kill (its first acknowledged put)",
            client.leaderMemberId(), TimeUnit.NANOSECONDS.toMillis(failoverNs)));
        check(client.leaderMemberId() != leader, "the killed member still leads");

        final int lost = numbered.missingOrWrong(cache, ReadConsistency.LINEARIZABLE, answerTimeoutNs) +
            roundTripKeys.missingOrWrong(cache, ReadConsistency.LINEARIZABLE, answerTimeoutNs) +
            ("served".equals(cache.get("after-failover", ReadConsistency.LINEARIZABLE)) ? 0 : 1);
        final int acknowledged = keys + roundTripKeys.count() + 1;
        say(String.format("every acknowledged write is there: %,d of %,d (%,d pipelined, %,d round-trip puts, 1 " +
            "after the kill)", acknowledged - lost, acknowledged, keys, roundTripKeys.count()));
        check(0 == lost, lost + " acknowledged writes are missing after the failover");

        say("latency (HdrHistogram, microseconds; each round trip from its scheduled start):");
        say(String.format("  %-8s %10s %10s %10s %10s %10s %8s", "", "p50", "p90", "p99", "p99.9", "max", "count"));
        sayPercentiles("put", puts.latencyNs());
        sayPercentiles("get", gets.latencyNs());
        say(String.format("failover gap: %,d ms from kill -9 of the leader to the first acknowledged put",
            TimeUnit.NANOSECONDS.toMillis(failoverNs)));
    }

    /**
     * Takes the lock, writes with its token, releases it, takes it again, and shows the first token refused.
     */
    private void showFencing(final GridLocks locks, final GridCache cache)
    {
        final long first = locks.lock(LOCK);
        cache.putFenced("orders-owner", "first", LOCK, first);
        locks.unlock(LOCK, first);
        say("lock \"" + LOCK + "\": token " + first + "; a put fenced with it is accepted; released");
        final long second = locks.lock(LOCK);
        check(second > first, "the second token " + second + " is not above the first " + first);
        try
        {
            cache.putFenced("orders-owner", "stale", LOCK, first);
            throw new CliException(GridCli.NO, "a put fenced with the stale token " + first + " was accepted");
        }
        catch (final GridClientException ex)
        {
            check(Status.FENCED == ex.status(), "the stale token's put failed with " + ex.status() + ", not FENCED");
            say("lock \"" + LOCK + "\" again: token " + second + "; a put fenced with the old token " + first +
                " is refused: " + ex.status());
        }
        finally
        {
            locks.unlock(LOCK, second);
        }
    }

    /**
     * The member to kill: the one the client talks to as leader, once its own counters say it leads (leadership may
     * have moved since the first election, e.g. while three JVMs compiled on two cores).
     */
    private int currentLeader(final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        do
        {
            final int member = client.leaderMemberId();
            if (member >= 0)
            {
                try (CounterFile counters = CounterFile.open(cluster.aeronDirectory(member)))
                {
                    if (null != counters && NodeRole.LEADER == counters.role())
                    {
                        return member;
                    }
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        while (System.nanoTime() < deadlineNs);
        throw new CliException(GridCli.UNAVAILABLE, "the member the client talks to does not lead");
    }

    private FixedRateRun.Result roundTrips(
        final GridCache cache, final NumberedKeys numbered, final ReadConsistency readConsistency)
    {
        final BenchCommand.Outcomes outcomes = new BenchCommand.Outcomes();
        final FixedRateRun.Result result = new FixedRateRun(new FixedRateRun.Context()
            .rate(ROUND_TRIP_RATE)
            .warmupNs(TimeUnit.MILLISECONDS.toNanos(200))
            .durationNs(TimeUnit.SECONDS.toNanos(1)))
            .run(new BenchCommand.CacheOperation(cache, numbered, readConsistency, outcomes));
        check(0 == result.failed() && 0 == result.unanswered(), (null == readConsistency ? "put" : "get") +
            " round trips failed: " + result.failed() + outcomes.describe() + ", unanswered " + result.unanswered());
        return result;
    }

    private void sayPercentiles(final String name, final Histogram latencyNs)
    {
        say(String.format("  %-8s %,10.0f %,10.0f %,10.0f %,10.0f %,10.0f %,8d", name,
            BenchCommand.micros(latencyNs.getValueAtPercentile(50)),
            BenchCommand.micros(latencyNs.getValueAtPercentile(90)),
            BenchCommand.micros(latencyNs.getValueAtPercentile(99)),
            BenchCommand.micros(latencyNs.getValueAtPercentile(99.9)),
            BenchCommand.micros(latencyNs.getMaxValue()), latencyNs.getTotalCount()));
    }

    private Path dataDirectory() throws IOException
    {
        if (null == directory)
        {
            return Files.createTempDirectory("grid-demo");
        }
        if (Files.exists(directory))
        {
            try (var entries = Files.list(directory))
            {
                if (!Files.isDirectory(directory) || entries.findAny().isPresent())
                {
                    throw new CliException(GridCli.USAGE, "--dir " + directory + " is not a new or empty " +
                        "directory (the demo removes its directory at the end)");
                }
            }
        }
        return Files.createDirectories(directory);
    }

    /**
     * Stops every node this demo started that still runs (SIGTERM, SIGKILL after 10 s), closes the client and
     * removes the data directory unless {@code --keep}. Once, from the end of the demo or the shutdown hook.
     */
    private synchronized void stopEverything(final Path dataDirectory)
    {
        if (stopped)
        {
            return;
        }
        stopped = true;
        CloseHelper.quietClose(client);
        final List<String> how = new ArrayList<>();
        for (int member = 0; null != cluster && member < MEMBERS; member++)
        {
            final Optional<ProcessHandle> node = NodeProcesses.running(cluster, member);
            if (node.isPresent())
            {
                how.add("member " + member + " (pid " + node.get().pid() + ", " +
                    NodeProcesses.stop(cluster, member, node.get(), TimeUnit.SECONDS.toNanos(10)) + ")");
            }
            IoUtil.delete(new File(cluster.aeronDirectory(member)), true);
        }
        if (keep)
        {
            say("stopped " + (how.isEmpty() ? "no node (none ran)" : String.join(", ", how)) + "; kept " +
                dataDirectory);
        }
        else
        {
            IoUtil.delete(dataDirectory.toFile(), true);
            say("stopped " + (how.isEmpty() ? "no node (none ran)" : String.join(", ", how)) + "; removed " +
                dataDirectory);
        }
    }

    private static void awaitExit(final ProcessHandle process)
    {
        try
        {
            process.onExit().get(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new CliException(GridCli.UNAVAILABLE, "interrupted");
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new CliException(GridCli.UNAVAILABLE, "pid " + process.pid() + " survived SIGKILL");
        }
    }

    private static void check(final boolean condition, final String failure)
    {
        if (!condition)
        {
            throw new CliException(GridCli.NO, failure);
        }
    }

    private void say(final String line)
    {
        out.println(line);
        out.flush();
    }
}
