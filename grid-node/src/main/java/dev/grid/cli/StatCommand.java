package dev.grid.cli;

import dev.grid.node.NodeCounters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code grid stat [--watch]}: every counter each member publishes in its media driver's counters file, read from this
 * process as AeronStat does: the node's (role, term, leader, commit and applied index, sessions, elections, snapshots,
 * malformed messages), each cache's (hits, misses, evictions, expirations, entries, bytes used, reads answered), the
 * lock table's (held, waiting, grants, hand-offs, session releases, timeouts, refusals, fenced writes) and last the
 * transport's (messages sent, received, retried and dropped). Members on this host only.
 */
@Command(name = "stat", mixinStandardHelpOptions = true,
    description = {
        "Prints the counters each node publishes: role, term, leader, commit and applied index, sessions, " +
            "elections, snapshots, malformed messages; per cache hits, misses, evictions, expirations, entries, " +
            "bytes used and reads answered; locks held and waiting, grants, hand-offs, session releases, " +
            "timeouts, refusals and fenced writes refused; transport messages sent, received, retried and dropped.",
        "Reads each member's media driver counters file on this host, so it needs no leader. Exit code 3 if no " +
            "member's counters could be read."})
final class StatCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--watch", description = "print again every --interval until interrupted (or --count times)")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
        description = "time between prints with --watch (default: ${DEFAULT-VALUE})")
    String interval;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
        description = "with --watch, stop after N prints (default: 0, until interrupted)")
    int count;

    public Integer call() throws InterruptedException
    {
        final ClusterSpec clusterSpec = cluster.spec();
        final long intervalNs = ClusterOptions.duration("--interval", interval);
        final PrintWriter out = spec.commandLine().getOut();
        int readable = print(clusterSpec, out);
        for (int printed = 1; watch && (0 == count || printed < count); printed++)
        {
            TimeUnit.NANOSECONDS.sleep(intervalNs);
            out.println();
            readable = print(clusterSpec, out);
        }
        if (0 == readable)
        {
            throw new CliException(GridCli.UNAVAILABLE, "no member's counters could be read: no node of " +
                clusterSpec.members() + " runs on this host");
        }
        return GridCli.OK;
    }

    private static int print(final ClusterSpec clusterSpec, final PrintWriter out)
    {
        int readable = 0;
        for (int member = 0; member < clusterSpec.endpoints().count(); member++)
        {
            final String aeronDirectory = clusterSpec.aeronDirectory(member);
            try (CounterFile counters = CounterFile.open(aeronDirectory))
            {
                if (null == counters)
                {
                    out.println("member " + member + ": not running (no live media driver at " + aeronDirectory + ")");
                    continue;
                }
                readable++;
                out.println("member " + member + " (" + aeronDirectory + "):");
                for (final CounterFile.Counter counter : counters.gridCounters())
                {
                    out.printf("  %,20d  %s%s%n", counter.value(), counter.label(),
                        NodeCounters.ROLE_TYPE_ID == counter.typeId() ? " = " + counters.role() : "");
                }
            }
        }
        out.flush();
        return readable;
    }
}
