package dev.grid.cli;

import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridClientException;
import dev.grid.core.OffHeapMemory;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import dev.grid.transport.AeronTransport;
import dev.grid.transport.MemberEndpoints;
import org.agrona.IoUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The command line against a real local cluster: {@code cluster start} launches three node processes once for the
 * class; every other command runs in this JVM (picocli, output captured) against them; the last test stops the
 * cluster and checks that no process is left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GridCliTest
{
    private static final Pattern TOKEN = Pattern.compile("orders token=(\\d+)");
    private static final Pattern LEADER = Pattern.compile("grid node=(\\d+) role [^\n]*= LEADER");

    private Path directory;
    private ClusterSpec cluster;
    private final List<ProcessHandle> nodes = new ArrayList<>();

    @BeforeAll
    void startCluster() throws IOException
    {
        directory = Files.createTempDirectory("grid-cli-test");
        final Result start = run("cluster", "start", "--dir", directory.toString());
        assertThat(start.exitCode).as(start.toString()).isZero();
        assertThat(start.out).contains("member 0: pid", "member 2: pid", "leader: member");
        cluster = ClusterSpec.read(directory);
        for (int member = 0; member < 3; member++)
        {
            nodes.add(NodeProcesses.running(cluster, member).orElseThrow());
        }
    }

    @AfterAll
    void killWhatIsLeftAndDelete()
    {
        final ClusterSpec written = ClusterSpec.read(directory);
        for (int member = 0; null != written && member < written.endpoints().count(); member++)
        {
            NodeProcesses.running(written, member).ifPresent(nodes::add);
        }
        for (final ProcessHandle node : nodes)
        {
            node.destroyForcibly();
            node.onExit().join();
        }
        for (int member = 0; null != written && member < written.endpoints().count(); member++)
        {
            IoUtil.delete(new File(written.aeronDirectory(member)), true);
        }
        IoUtil.delete(directory.toFile(), true);
    }

    @Test
    @Order(1)
    void startWritesTheSpecPidFilesAndLogsAndStatusShowsOneLeader() throws IOException
    {
        assertThat(cluster.endpoints().count()).isEqualTo(3);
        for (int member = 0; member < 3; member++)
        {
            assertThat(NodeProcesses.recordedPid(cluster, member)).contains(nodes.get(member).pid());
            assertThat(Files.readString(cluster.logFile(member))).contains("grid-node ready member=" + member);
            assertThat(nodes.get(member).info().commandLine().orElse("")).contains(
                "-Dgrid.member.id=" + member + " ", "-Dgrid.dir=" + cluster.dataDirectory(member) + " ");
        }

        final Result status = run("cluster", "status", "--dir", directory.toString());
        assertThat(status.exitCode).as(status.toString()).isZero();
        final String[] rows = status.out.strip().split("\n");
        assertThat(rows).hasSize(4);
        for (int member = 0; member < 3; member++)
        {
            assertThat(rows[member + 1]).startsWith(member + " ")
                .contains(" " + nodes.get(member).pid() + " ", " yes ");
        }
        assertThat(status.out.split("LEADER", -1)).as(status.out).hasSize(2);
    }

    @Test
    @Order(2)
    void putGetRemoveRoundTrip()
    {
        final Result put = run("put", "default", "EURUSD", "1.0842", "--dir", directory.toString());
        assertThat(put.exitCode).as(put.toString()).isZero();
        assertThat(put.out).matches("ok version=\\d+\\s*");

        assertThat(run("get", "default", "EURUSD", "--dir", directory.toString()).out).isEqualTo("1.0842\n");
        assertThat(run("get", "default", "EURUSD", "--local", "--dir", directory.toString()).out)
            .isEqualTo("1.0842\n");

        final Result remove = run("remove", "default", "EURUSD", "--dir", directory.toString());
        assertThat(remove.exitCode).as(remove.toString()).isZero();
        assertThat(remove.out).isEqualTo("removed\n");

        final Result missing = run("get", "default", "EURUSD", "--dir", directory.toString());
        assertThat(missing.exitCode).isEqualTo(GridCli.NO);
        assertThat(missing.out).isEmpty();
        assertThat(missing.err).contains("default holds no key EURUSD");
        assertThat(run("remove", "default", "EURUSD", "--dir", directory.toString()).exitCode).isEqualTo(GridCli.NO);
    }

    @Test
    @Order(3)
    void lockPrintsIncreasingTokensAndReleasesAndUnlockTellsTheHolder()
    {
        final long first = token(run("lock", "orders", "--dir", directory.toString()));
        final Result second = run("lock", "orders", "--wait", "0", "--dir", directory.toString());
        assertThat(second.out).contains("released orders token=");
        assertThat(token(second)).isGreaterThan(first);
        assertThat(run("unlock", "orders", "--dir", directory.toString()).out).isEqualTo("orders is free\n");

        try (GridClient holder = client())
        {
            final long held = holder.locks().lock("orders");
            assertThat(held).isGreaterThan(token(second));

            final Result refused = run("lock", "orders", "--wait", "200ms", "--dir", directory.toString());
            assertThat(refused.exitCode).as(refused.toString()).isEqualTo(GridCli.NO);
            assertThat(refused.err).contains("orders was not granted within 200ms");

            final Result unlock = run("unlock", "orders", "--dir", directory.toString());
            assertThat(unlock.exitCode).isEqualTo(GridCli.NO);
            assertThat(unlock.err).contains("orders is held with token=" + held + " by another session");
            assertThat(holder.locks().currentToken("orders")).as("still held").isEqualTo(held);
            holder.locks().unlock("orders", held);
        }
        assertThat(run("unlock", "orders", "--dir", directory.toString()).exitCode).isZero();
    }

    @Test
    @Order(4)
    void statReadsEveryNodesCountersFromItsCountersFile()
    {
        final Result stat = run("stat", "--dir", directory.toString());
        assertThat(stat.exitCode).as(stat.toString()).isZero();
        for (int member = 0; member < 3; member++)
        {
            assertThat(stat.out).contains("member " + member + " (" + cluster.aeronDirectory(member) + "):",
                "grid node=" + member + " term", "grid node=" + member + " peer messages dropped, back pressure",
                "grid node=" + member + " client sessions");
            assertThat(counter(stat.out, "grid node=" + member + " commit index")).isPositive();
            assertThat(counter(stat.out, "grid node=" + member + " peer messages received")).isPositive();
            assertThat(counter(stat.out, "grid node=" + member + " longest duty cycle")).isPositive();
        }
        assertThat(stat.out.split("= LEADER", -1)).as(stat.out).hasSize(2);

        final Result watch = run("stat", "--watch", "--count", "2", "--interval", "100ms", "--dir",
            directory.toString());
        assertThat(watch.exitCode).isZero();
        assertThat(watch.out.split("member 1 \\(", -1)).hasSize(3);
    }

    @Test
    @Order(5)
    void badInputGetsANonZeroExitAndAClearMessageAndLosesNothing() throws IOException
    {
        assertThat(run("put", "default", "kept", "yes", "--dir", directory.toString()).exitCode).isZero();

        final Result unknownCommand = run("frobnicate");
        assertThat(unknownCommand.exitCode).isEqualTo(GridCli.USAGE);
        assertThat(unknownCommand.err).contains("Unmatched argument", "'frobnicate'", "grid --help");

        final Result unknownCache = run("put", "nope", "k", "v", "--dir", directory.toString());
        assertThat(unknownCache.exitCode).isEqualTo(GridCli.USAGE);
        assertThat(unknownCache.err).contains("no cache named 'nope' in default");

        final Result missingValue = run("put", "default", "kept", "--dir", directory.toString());
        assertThat(missingValue.exitCode).isEqualTo(GridCli.USAGE);
        assertThat(missingValue.err).contains("Missing required parameter: 'VALUE'", "grid put --help");

        final Result badDuration = run("lock", "orders", "--hold", "soon", "--dir", directory.toString());
        assertThat(badDuration.exitCode).isEqualTo(GridCli.USAGE);
        assertThat(badDuration.err).contains("--hold soon is not a duration");

        final Path empty = Files.createTempDirectory(directory, "empty");
        final Result noCluster = run("get", "default", "kept", "--dir", empty.toString());
        assertThat(noCluster.exitCode).isEqualTo(GridCli.USAGE);
        assertThat(noCluster.err).contains("no cluster in " + empty);

        final Path nobody = Files.createTempDirectory(directory, "nobody");
        ClusterSpec.create(nobody, MemberEndpoints.freeLoopback(3).toString(), "default", Map.of()).write();
        final Result noLeader = run("get", "default", "kept", "--timeout", "1s", "--dir", nobody.toString());
        assertThat(noLeader.exitCode).isEqualTo(GridCli.UNAVAILABLE);
        assertThat(noLeader.err).contains("no leader");

        assertThat(run("get", "default", "kept", "--dir", directory.toString()).out).isEqualTo("yes\n");
    }

    @Test
    @Order(6)
    void everyCommandHasHelp()
    {
        final List<String[]> commands = new ArrayList<>();
        collect(GridCli.commandLine(), new ArrayList<>(), commands);
        assertThat(commands).hasSizeGreaterThanOrEqualTo(14);
        for (final String[] command : commands)
        {
            final Result help = run(command);
            assertThat(help.exitCode).as(String.join(" ", command)).isZero();
            assertThat(help.out).startsWith("Usage: grid");
        }
    }

    @Test
    @Order(7)
    void stopLeavesAProcessAloneWhosePidIsNotTheNode() throws Exception
    {
        final Process stranger = new ProcessBuilder("sleep", "60").start();
        try
        {
            final Path other = Files.createTempDirectory(directory, "other");
            final ClusterSpec spec = ClusterSpec.create(other, MemberEndpoints.freeLoopback(1).toString(), "default",
                Map.of());
            spec.write();
            Files.writeString(spec.pidFile(0), stranger.pid() + "\n" +
                stranger.info().startInstant().orElseThrow().toEpochMilli() + "\n", StandardCharsets.US_ASCII);

            final Result stop = run("cluster", "stop", "--dir", other.toString());
            assertThat(stop.exitCode).as(stop.toString()).isZero();
            assertThat(stop.out).contains("pid " + stranger.pid() + " is not this member's node any more; left alone");
            assertThat(stranger.isAlive()).isTrue();
        }
        finally
        {
            stranger.destroyForcibly().waitFor();
        }
    }

    @Test
    @Order(8)
    void statShowsTheLeadersCacheAndLockCounters() throws InterruptedException
    {
        final Result before = run("stat", "--dir", directory.toString());
        final Matcher leader = LEADER.matcher(before.out);
        assertThat(leader.find()).as(before.out).isTrue();
        final String node = "grid node=" + leader.group(1) + " ";
        assertThat(counter(before.out, node + "cache=default off-heap regions on huge pages"))
            .as("the default cache's 68 MiB of records and 4 MiB of block links, where the kernel offers huge pages")
            .isEqualTo(OffHeapMemory.kernelOffersHugePages() ? 2 : 0);
        final String[] labels = {node + "cache=default hits", node + "cache=default reads answered here, found",
            node + "cache=default reads answered here, not found", node + "lock grants",
            node + "fenced writes refused"};
        final long[] expected = new long[labels.length];
        for (int i = 0; i < labels.length; i++)
        {
            expected[i] = counter(before.out, labels[i]) + 1;
        }

        try (GridClient client = client())
        {
            final GridCache cache = client.cache("default");
            cache.put("stat", "1");
            assertThat(cache.get("stat", ReadConsistency.LINEARIZABLE)).isEqualTo("1");
            assertThat(cache.get("stat-missing", ReadConsistency.LINEARIZABLE)).isNull();
            final long token = client.locks().lock("stat-lock");
            client.locks().unlock("stat-lock", token);
            assertThatThrownBy(() -> cache.putFenced("stat", "2", "stat-lock", token))
                .isInstanceOfSatisfying(GridClientException.class,
                    refused -> assertThat(refused.status()).isEqualTo(Status.FENCED));
        }

        // The read hit reaches the replicated hits through the leader's next access hint, an entry later.
        final long deadline = System.nanoTime() + 10_000_000_000L;
        long[] actual;
        Result after;
        do
        {
            Thread.sleep(20);
            after = run("stat", "--dir", directory.toString());
            actual = new long[labels.length];
            for (int i = 0; i < labels.length; i++)
            {
                actual[i] = counter(after.out, labels[i]);
            }
        }
        while (actual[0] < expected[0] && System.nanoTime() < deadline);
        assertThat(after.out).as("same leader").contains(node + "role (0 follower, 1 pre-candidate, 2 candidate, " +
            "3 leader) = LEADER");
        assertThat(actual).as(after.out).containsExactly(expected);
        assertThat(counter(after.out, node + "cache=default entries")).isPositive();
        assertThat(counter(after.out, node + "locks held")).isZero();
    }

    @Test
    @Order(9)
    void benchPrintsMonotonicPercentilesAndWritesTheHistogramAndAPlot() throws IOException
    {
        final Path out = directory.resolve("bench");
        final Result bench = run("bench", "--op", "put", "--rate", "500", "--duration", "2s", "--warmup", "500ms",
            "--keys", "100", "--out", out.toString(), "--dir", directory.toString());
        assertThat(bench.exitCode).as(bench.toString()).isZero();
        assertThat(bench.out).contains("grid bench: put at 500 ops/s for 2s after 500ms of warm-up",
            "latency from each operation's scheduled start (coordinated omission corrected):");

        final double[] percentiles = new double[BenchCommand.PERCENTILES.length + 1];
        for (int i = 0; i < BenchCommand.PERCENTILES.length; i++)
        {
            percentiles[i] = micros(bench.out, BenchCommand.percentileName(BenchCommand.PERCENTILES[i]));
        }
        percentiles[percentiles.length - 1] = micros(bench.out, "max");
        assertThat(percentiles[0]).as("p50 of a put round trip, us").isGreaterThan(1.0);
        for (int i = 1; i < percentiles.length; i++)
        {
            assertThat(percentiles[i]).as(bench.out).isGreaterThanOrEqualTo(percentiles[i - 1]);
        }
        assertThat(bench.out).containsPattern("  count +1,000 +of 1,000 scheduled\n");
        final Matcher achieved = Pattern.compile("  achieved +([\\d,.]+) ops/s").matcher(bench.out);
        assertThat(achieved.find()).as(bench.out).isTrue();
        assertThat(Double.parseDouble(achieved.group(1).replace(",", ""))).isBetween(1.0, 500.0);

        final Path hgrm = out.resolve("put-500.hgrm");
        final Path png = out.resolve("put-500.png");
        assertThat(bench.out).contains("wrote " + hgrm, " and " + png);
        final Matcher max = Pattern.compile("#\\[Max += +([\\d.]+), Total count += +(\\d+)]")
            .matcher(Files.readString(hgrm));
        assertThat(max.find()).as("the .hgrm file's summary").isTrue();
        assertThat(Double.parseDouble(max.group(1))).as("max in the .hgrm, us")
            .isCloseTo(percentiles[percentiles.length - 1], within(0.1));
        assertThat(max.group(2)).isEqualTo("1000");
        final BufferedImage plot = ImageIO.read(png.toFile());
        assertThat(plot).as("a PNG").isNotNull();
        assertThat(plot.getWidth()).isPositive();
    }

    @Test
    @Order(10)
    void benchRefusesBadArgumentsAndSaysWhenTheClusterIsUnavailable() throws IOException
    {
        final String[][] badArguments = {
            {"--op", "frob"}, {"--rate", "0"}, {"--duration", "soon"}, {"--duration", "0s"}, {"--warmup", "-1s"},
            {"--value-size", "0"}, {"--keys", "0"}, {"--in-flight", "65"}, {"--idle", "nap"}, {"--rate", "many"}};
        final String[] messages = {
            "--op must be put, get, get-local or lock, not frob", "--rate must be 1 to 1,000,000",
            "--duration soon is not a duration", "--duration must be positive", "--warmup",
            "--value-size must be 1 to 65536 bytes, not 0", "--keys must be 1 to 100,000,000, not 0",
            "--in-flight must be 1 to 64, not 65", "--idle must be backoff, park or spin, not nap", "'many'"};
        for (int i = 0; i < badArguments.length; i++)
        {
            final List<String> args = new ArrayList<>(List.of("bench", "--dir", directory.toString(), "--out",
                directory.resolve("bad-bench").toString()));
            args.addAll(List.of(badArguments[i]));
            final Result bad = run(args.toArray(new String[0]));
            assertThat(bad.exitCode).as(bad.toString()).isEqualTo(GridCli.USAGE);
            assertThat(bad.err).as(String.join(" ", badArguments[i])).contains(messages[i]);
        }
        final Result tooLarge = run("bench", "--value-size", "8192", "--duration", "1s", "--out",
            directory.resolve("bad-bench").toString(), "--dir", directory.toString());
        assertThat(tooLarge.exitCode).as(tooLarge.toString()).isEqualTo(GridCli.USAGE);
        assertThat(tooLarge.err).contains("over the grid's limit");
        assertThat(directory.resolve("bad-bench")).doesNotExist();

        final Path nobody = Files.createTempDirectory(directory, "nobody-bench");
        ClusterSpec.create(nobody, MemberEndpoints.freeLoopback(3).toString(), "default", Map.of()).write();
        final Result unavailable = run("bench", "--timeout", "1s", "--dir", nobody.toString());
        assertThat(unavailable.exitCode).as(unavailable.toString()).isEqualTo(GridCli.UNAVAILABLE);
        assertThat(unavailable.err).contains("no leader");
    }

    @Test
    @Order(100)
    void stopStopsEveryNodeAndLeavesNoProcessBehind()
    {
        final Result stop = run("cluster", "stop", "--dir", directory.toString(), "--timeout", "20s");
        assertThat(stop.exitCode).as(stop.toString()).isZero();
        for (int member = 0; member < 3; member++)
        {
            assertThat(stop.out)
                .contains("member " + member + ": pid " + nodes.get(member).pid() + " stopped (SIGTERM)");
            assertThat(nodes.get(member).isAlive()).isFalse();
            assertThat(cluster.pidFile(member)).doesNotExist();
            assertThat(new File(cluster.aeronDirectory(member))).doesNotExist();
        }
        final Result status = run("cluster", "status", "--dir", directory.toString());
        assertThat(status.exitCode).isEqualTo(GridCli.UNAVAILABLE);
        assertThat(status.out).doesNotContain(" yes ");
        assertThat(run("stat", "--dir", directory.toString()).exitCode).isEqualTo(GridCli.UNAVAILABLE);
        assertThat(run("cluster", "stop", "--dir", directory.toString()).out)
            .contains("member 0: not running (no pid file)");
    }

    private GridClient client()
    {
        return GridClient.connect(new GridClient.Context().transport(
            new AeronTransport.Context().members(MemberEndpoints.parse(cluster.members()))));
    }

    private static long token(final Result result)
    {
        assertThat(result.exitCode).as(result.toString()).isZero();
        final Matcher matcher = TOKEN.matcher(result.out);
        assertThat(matcher.find()).as(result.out).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    private static double micros(final String bench, final String percentile)
    {
        final Matcher matcher = Pattern.compile("\\n  " + Pattern.quote(percentile) + " +([\\d,.]+) us\\n")
            .matcher(bench);
        assertThat(matcher.find()).as(percentile + " in\n" + bench).isTrue();
        return Double.parseDouble(matcher.group(1).replace(",", ""));
    }

    private static long counter(final String stat, final String label)
    {
        final Matcher matcher = Pattern.compile("([\\d,]+)  " + Pattern.quote(label) + "\\b").matcher(stat);
        assertThat(matcher.find()).as(label + " in\n" + stat).isTrue();
        return Long.parseLong(matcher.group(1).replace(",", ""));
    }

    private static void collect(final CommandLine command, final List<String> path, final List<String[]> commands)
    {
        final List<String> withHelp = new ArrayList<>(path);
        withHelp.add("--help");
        commands.add(withHelp.toArray(new String[0]));
        for (final Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet())
        {
            final List<String> subPath = new ArrayList<>(path);
            subPath.add(sub.getKey());
            collect(sub.getValue(), subPath, commands);
        }
    }

    static Result run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = GridCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    record Result(int exitCode, String out, String err)
    {
        public String toString()
        {
            return "exit " + exitCode + "\nout:\n" + out + "err:\n" + err;
        }
    }
}
