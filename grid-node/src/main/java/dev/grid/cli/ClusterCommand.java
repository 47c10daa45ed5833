package dev.grid.cli;

import dev.grid.node.NodeCounters;
import dev.grid.transport.MemberEndpoints;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code grid cluster start|stop|status}: a local cluster of node processes on loopback, laid out in one directory
 * (see {@link ClusterSpec}).
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "A local cluster of separate node processes on loopback UDP, with pid files and logs in DIR.",
    subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Status.class})
public final class ClusterCommand implements Runnable
{
    @Spec
    CommandSpec spec;

    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "start, stop or status is required");
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
        description = {
            "Starts a cluster of N node processes on free loopback ports, waits until each is ready and a leader " +
                "is elected.",
            "DIR gets cluster.properties (the members; every node's --config), node-N/ (data), node-N.pid and " +
                "node-N.log. A DIR that holds a stopped cluster is restarted on its data."})
    static final class Start implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ClusterDirectory directory;

        @Option(names = "--nodes", paramLabel = "N", description = "members (default: 3; a restart keeps its own)")
        Integer nodes;

        @Option(names = "--caches", paramLabel = "NAMES", defaultValue = "default",
            description = "the caches the cluster serves, comma-separated (default: ${DEFAULT-VALUE})")
        String caches;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "a grid setting for every node (docs/operations.md), e.g. --set grid.log.sync=BATCH")
        Map<String, String> settings = new LinkedHashMap<>();

        @Option(names = "--heap", paramLabel = "SIZE", defaultValue = NodeProcesses.DEFAULT_HEAP,
            description = "each node's maximum heap (default: ${DEFAULT-VALUE}; caches live off-heap)")
        String heap;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "how long to wait for each node's ready line and for a leader (default: ${DEFAULT-VALUE})")
        String timeout;

        public Integer call()
        {
            final PrintWriter out = spec.commandLine().getOut();
            final long timeoutNs = ClusterOptions.duration("--timeout", timeout);
            final ClusterSpec cluster = existingOrNew();
            final int count = cluster.endpoints().count();
            NodeProcesses.startAll(cluster, heap, timeoutNs, out);
            final int leader = NodeProcesses.awaitLeader(cluster, timeoutNs);
            if (leader < 0)
            {
                throw new CliException(GridCli.UNAVAILABLE, "the nodes run but elected no leader within " + timeout +
                    "; see grid cluster status --dir " + directory.path + " and the node logs");
            }
            out.println("leader: member " + leader + "; cluster of " + count + " running from " +
                cluster.directory() + " (grid cluster stop --dir " + directory.path + " stops it)");
            return GridCli.OK;
        }

        private ClusterSpec existingOrNew()
        {
            final ClusterSpec existing = ClusterSpec.read(directory.path);
            if (null == existing)
            {
                final int count = null == nodes ? 3 : nodes;
                if (count < 1 || count > 9)
                {
                    throw new CliException(GridCli.USAGE, "--nodes must be 1 to 9, not " + count);
                }
                final ClusterSpec created = ClusterSpec.create(directory.path, MemberEndpoints.freeLoopback(count).toString(), caches, settings);
                created.write();
                return created;
            }
            final int count = existing.endpoints().count();
            if (null != nodes && nodes != count)
            {
                throw new CliException(GridCli.USAGE, directory.path + " holds a cluster of " + count +
                    " members, not " + nodes + "; use another --dir for a new cluster");
            }
            final List<String> running = new ArrayList<>();
            for (int member = 0; member < count; member++)
            {
                NodeProcesses.running(existing, member).ifPresent(p -> running.add(Long.toString(p.pid())));
            }
            if (!running.isEmpty())
            {
                throw new CliException(GridCli.NO, "a cluster already runs from " + directory.path + " (pids " +
                    String.join(", ", running) + "); grid cluster stop --dir " + directory.path + " stops it");
            }
            spec.commandLine().getOut().println("restarting the cluster of " + count + " in " + directory.path +
                " on its data");
            return existing;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stops the node processes grid cluster start recorded in DIR (SIGTERM, then SIGKILL after " +
            "--timeout); a pid that no longer belongs to the member's node is left alone. The data stays.")
    static final class Stop implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ClusterDirectory directory;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "how long a node has to stop after SIGTERM before SIGKILL (default: ${DEFAULT-VALUE})")
        String timeout;

        public Integer call() throws IOException
        {
            final PrintWriter out = spec.commandLine().getOut();
            final long timeoutNs = ClusterOptions.duration("--timeout", timeout);
            final ClusterSpec cluster = directory.spec();
            // SIGTERM to every node first, so they shut down together rather than one after another.
            final int count = cluster.endpoints().count();
            final List<Optional<ProcessHandle>> nodes = new ArrayList<>(count);
            for (int member = 0; member < count; member++)
            {
                final Optional<ProcessHandle> node = NodeProcesses.running(cluster, member);
                node.ifPresent(ProcessHandle::destroy);
                nodes.add(node);
            }
            for (int member = 0; member < count; member++)
            {
                final Optional<Long> pid = NodeProcesses.recordedPid(cluster, member);
                if (pid.isEmpty())
                {
                    out.println("member " + member + ": not running (no pid file)");
                }
                else if (nodes.get(member).isPresent())
                {
                    final String how = NodeProcesses.stop(cluster, member, nodes.get(member).get(), timeoutNs);
                    out.println("member " + member + ": pid " + pid.get() + " stopped (" + how + ")");
                }
                else
                {
                    final boolean alive = ProcessHandle.of(pid.get()).map(ProcessHandle::isAlive).orElse(false);
                    out.println("member " + member + ": pid " + pid.get() + (alive ?
                        " is not this member's node any more; left alone" : " had already exited"));
                    Files.deleteIfExists(cluster.pidFile(member));
                }
                out.flush();
            }
            return GridCli.OK;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
        description = {
            "Lists the members: pid, whether the process runs, and role, term, leader, commit and applied index " +
                "and sessions from the counters each node publishes.",
            "Exit code 3 if no member is running."})
    static final class Status implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ClusterDirectory directory;

        public Integer call()
        {
            final ClusterSpec cluster = directory.spec();
            final PrintWriter out = spec.commandLine().getOut();
            final String format = "%-6s %-8s %-5s %-13s %-6s %-6s %-8s %-8s %-8s %s%n";
            out.printf(format, "member", "pid", "alive", "role", "term", "leader", "commit", "applied", "sessions",
                "peer/client");
            int alive = 0;
            final MemberEndpoints endpoints = cluster.endpoints();
            for (int member = 0; member < endpoints.count(); member++)
            {
                final Optional<ProcessHandle> node = NodeProcesses.running(cluster, member);
                final String pid = NodeProcesses.recordedPid(cluster, member).map(String::valueOf).orElse("-");
                final String where = endpoints.peerEndpoint(member) + "/" + endpoints.clientEndpoint(member);
                alive += node.isPresent() ? 1 : 0;
                try (CounterFile counters = node.isPresent() ? CounterFile.open(cluster.aeronDirectory(member)) : null)
                {
                    if (null == counters || null == counters.role())
                    {
                        out.printf(format, member, pid, node.isPresent() ? "yes" : "no", "-", "-", "-", "-", "-", "-",
                            where);
                    }
                    else
                    {
                        out.printf(format, member, pid, "yes", counters.role(),
                            counters.value(NodeCounters.TERM_TYPE_ID, -1),
                            counters.value(NodeCounters.LEADER_TYPE_ID, -1),
                            counters.value(NodeCounters.COMMIT_INDEX_TYPE_ID, -1),
                            counters.value(NodeCounters.APPLIED_INDEX_TYPE_ID, -1),
                            counters.value(NodeCounters.SESSIONS_TYPE_ID, -1), where);
                    }
                }
            }
            return alive > 0 ? GridCli.OK : GridCli.UNAVAILABLE;
        }
    }
}
