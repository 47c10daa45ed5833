package dev.grid.cli;

import dev.grid.core.JvmFlags;
import dev.grid.node.GridNode;
import dev.grid.node.GridNodeMain;
import dev.grid.sbe.NodeRole;
import dev.grid.transport.AeronTransport;

import org.agrona.IoUtil;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The node processes of a local cluster: started as separate JVMs ({@link GridNodeMain}, the grid's JVM flags, this
 * process's class path), recorded in pid files, and recognised again before they are signalled, so that a pid the
 * operating system gave to another process since is never touched.
 */
final class NodeProcesses
{
    /** Each node's maximum heap unless told otherwise (caches live off-heap). */
    static final String DEFAULT_HEAP = "256m";

    private NodeProcesses()
    {
    }

    /**
     * Starts member {@code memberId}, its output appended to its log file, and records its pid.
     */
    static Process start(final ClusterSpec spec, final int memberId, final String heap)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.required());
        command.add("-Xmx" + heap);
        command.add("-D" + AeronTransport.Context.MEMBER_ID_PROP_NAME + "=" + memberId);
        command.add(dataDirectoryArgument(spec, memberId));
        command.add("-D" + AeronTransport.Context.AERON_DIR_PROP_NAME + "=" + spec.aeronDirectory(memberId));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GridNodeMain.class.getName());
        command.add("--config");
        command.add(spec.file().toString());
        try
        {
            final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile(memberId).toFile()))
                .start();
            process.getOutputStream().close();
            final String startInstant = process.info().startInstant().map(i -> Long.toString(i.toEpochMilli()))
                .orElse("unknown");
            Files.writeString(spec.pidFile(memberId), process.pid() + "\n" + startInstant + "\n",
                StandardCharsets.US_ASCII);
            return process;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Starts every member of the cluster and waits for each one's ready line, printing one line per member (pid,
     * endpoints, log file). If a member exits or is not ready within the timeout, every member started is stopped.
     *
     * @return the processes, by member id.
     * @throws CliException (cluster unavailable) with the failing member's output.
     */
    static Process[] startAll(
        final ClusterSpec cluster, final String heap, final long timeoutNs, final PrintWriter out)
    {
        final int count = cluster.endpoints().count();
        final Process[] started = new Process[count];
        final long[] logOffsets = new long[count];
        for (int member = 0; member < count; member++)
        {
            logOffsets[member] = cluster.logFile(member).toFile().length();
            started[member] = start(cluster, member, heap);
        }
        for (int member = 0; member < count; member++)
        {
            awaitReady(cluster, member, started, logOffsets[member], timeoutNs);
            out.println("member " + member + ": pid " + started[member].pid() + ", peer " +
                cluster.endpoints().peerEndpoint(member) + ", client " + cluster.endpoints().clientEndpoint(member) +
                ", log " + cluster.logFile(member));
            out.flush();
        }
        return started;
    }

    /**
     * Waits until a member's counters say it leads.
     *
     * @return the leader's member id, or -1 if none led within the timeout.
     */
    static int awaitLeader(final ClusterSpec cluster, final long timeoutNs)
    {
        final long deadline = System.nanoTime() + timeoutNs;
        do
        {
            for (int member = 0; member < cluster.endpoints().count(); member++)
            {
                try (CounterFile counters = CounterFile.open(cluster.aeronDirectory(member)))
                {
                    if (null != counters && NodeRole.LEADER == counters.role())
                    {
                        return member;
                    }
                }
            }
            sleep(50);
        }
        while (System.nanoTime() < deadline);
        return -1;
    }

    private static void awaitReady(
        final ClusterSpec cluster, final int member, final Process[] started, final long logOffset,
        final long timeoutNs)
    {
        final long deadline = System.nanoTime() + timeoutNs;
        while (System.nanoTime() < deadline)
        {
            final String output = readFrom(cluster.logFile(member), logOffset);
            if (output.contains(GridNodeMain.READY_LINE_PREFIX))
            {
                return;
            }
            if (!started[member].isAlive())
            {
                stopAll(cluster, started);
                throw new CliException(GridCli.UNAVAILABLE, "member " + member + " exited with " +
                    started[member].exitValue() + " before it was ready; its output:\n" + output.strip());
            }
            sleep(20);
        }
        stopAll(cluster, started);
        throw new CliException(GridCli.UNAVAILABLE, "member " + member + " was not ready within " +
            TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms; its output:\n" +
            readFrom(cluster.logFile(member), logOffset).strip());
    }

    private static void stopAll(final ClusterSpec cluster, final Process[] started)
    {
        for (int member = 0; member < started.length; member++)
        {
            if (null != started[member])
            {
                stop(cluster, member, started[member].toHandle(), 0);
            }
        }
    }

    /**
     * @return the running node process recorded in the member's pid file, or empty if there is no pid file, the
     * process ended, or the pid now belongs to another process.
     */
    static Optional<ProcessHandle> running(final ClusterSpec spec, final int memberId)
    {
        return recordedPid(spec, memberId).flatMap(ProcessHandle::of)
            .filter(ProcessHandle::isAlive)
            .filter(handle -> isNode(handle, spec, memberId));
    }

    /**
     * @return the pid in the member's pid file, empty if there is none.
     */
    static Optional<Long> recordedPid(final ClusterSpec spec, final int memberId)
    {
        final List<String> lines = pidFileLines(spec.pidFile(memberId));
        if (lines.isEmpty())
        {
            return Optional.empty();
        }
        try
        {
            return Optional.of(Long.parseLong(lines.get(0).trim()));
        }
        catch (final NumberFormatException ex)
        {
            return Optional.empty();
        }
    }

    /**
     * Is this process the member's node? It started when the pid file says, and its command line holds the
     * member's data directory argument. That argument comes before the class path because Linux shows another
     * process only the first 4096 characters of a command line, and a class path is often longer.
     */
    static boolean isNode(final ProcessHandle handle, final ClusterSpec spec, final int memberId)
    {
        final ProcessHandle.Info info = handle.info();
        final List<String> lines = pidFileLines(spec.pidFile(memberId));
        if (lines.size() < 2 || !lines.get(1).matches("\\d+") || info.startInstant().isEmpty())
        {
            return false;
        }
        final long recordedStartMs = Long.parseLong(lines.get(1));
        final boolean startMatches = Math.abs(recordedStartMs - info.startInstant().get().toEpochMilli()) < 1_000;
        return startMatches && info.commandLine()
            .map(commandLine -> commandLine.contains(dataDirectoryArgument(spec, memberId) + " "))
            .orElse(true);
    }

    /**
     * Stops a member's node: SIGTERM (a clean stop), then SIGKILL if it has not exited within the timeout; then
     * removes its pid file and what a killed media driver leaves behind.
     *
     * @return how it ended: "SIGTERM" or "SIGKILL ...".
     * @throws CliException if it survives SIGKILL.
     */
    static String stop(final ClusterSpec spec, final int memberId, final ProcessHandle node, final long timeoutNs)
    {
        String how = "SIGTERM";
        node.destroy();
        if (!awaitExit(node, timeoutNs))
        {
            node.destroyForcibly();
            if (!awaitExit(node, TimeUnit.SECONDS.toNanos(10)))
            {
                throw new CliException(GridCli.UNAVAILABLE, "pid " + node.pid() + " survived SIGKILL");
            }
            how = "SIGKILL after " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms";
        }
        try
        {
            Files.deleteIfExists(spec.pidFile(memberId));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        IoUtil.delete(new File(spec.aeronDirectory(memberId)), true);
        return how;
    }

    private static boolean awaitExit(final ProcessHandle node, final long timeoutNs)
    {
        try
        {
            node.onExit().get(timeoutNs, TimeUnit.NANOSECONDS);
            return true;
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            return !node.isAlive();
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            return !node.isAlive();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return !node.isAlive();
        }
    }

    private static String dataDirectoryArgument(final ClusterSpec spec, final int memberId)
    {
        return "-D" + GridNode.Context.DIRECTORY_PROP_NAME + "=" + spec.dataDirectory(memberId);
    }

    private static List<String> pidFileLines(final Path pidFile)
    {
        try
        {
            return Files.isRegularFile(pidFile) ? Files.readAllLines(pidFile, StandardCharsets.US_ASCII) : List.of();
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    private static String readFrom(final Path file, final long offset)
    {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r"))
        {
            final long length = in.length();
            if (length <= offset)
            {
                return "";
            }
            final byte[] bytes = new byte[(int)Math.min(length - offset, 1 << 20)];
            in.seek(offset);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new CliException(GridCli.UNAVAILABLE, "interrupted");
        }
    }
}
