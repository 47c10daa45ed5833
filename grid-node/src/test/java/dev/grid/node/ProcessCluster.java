package dev.grid.node;

import dev.grid.client.GridClient;
import dev.grid.core.JvmFlags;
import dev.grid.sbe.NodeRole;
import dev.grid.transport.AeronTransport;
import dev.grid.transport.MemberEndpoints;
import io.aeron.CommonContext;
import org.agrona.IoUtil;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of real node processes ({@link GridNodeMain}) on loopback UDP, each with its own embedded media driver,
 * data directory and output file, started with the JVM flags every grid JVM gets. Kill means SIGKILL.
 */
final class ProcessCluster implements AutoCloseable
{
    static final long START_TIMEOUT_MS = 60_000;

    final Path directory;
    final String members;
    final ChildProcess[] nodes;
    private final List<String> extraProperties;
    private final List<ChildProcess> others = new ArrayList<>();
    private final String aeronDirectoryPrefix =
        CommonContext.getAeronDirectoryName() + "-pc-" + UUID.randomUUID().toString().substring(0, 8);

    ProcessCluster(final int size, final Path directory, final String... extraProperties)
    {
        this.directory = directory;
        this.extraProperties = List.of(extraProperties);
        members = MemberEndpoints.freeLoopback(size).toString();
        nodes = new ChildProcess[size];
        for (int i = 0; i < size; i++)
        {
            startNode(i);
        }
        for (int i = 0; i < size; i++)
        {
            nodes[i].awaitLine(GridNodeMain.READY_LINE_PREFIX);
        }
    }

    /**
     * Starts (or restarts) member {@code memberId} on its data directory; does not wait for it to be ready.
     */
    ChildProcess startNode(final int memberId)
    {
        nodes[memberId] = startJava("node-" + memberId, GridNodeMain.class, List.of(
            "-D" + GridNode.Context.DIRECTORY_PROP_NAME + "=" + directory.resolve("node-" + memberId),
            "-D" + AeronTransport.Context.MEMBER_ID_PROP_NAME + "=" + memberId));
        return nodes[memberId];
    }

    /**
     * Starts another JVM (a client program) that knows the cluster's members.
     */
    ChildProcess startJava(final String name, final Class<?> mainClass, final String... args)
    {
        return startJava(name, mainClass, List.of(), args);
    }

    private ChildProcess startJava(
        final String name, final Class<?> mainClass, final List<String> properties, final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.required());
        command.add("-Xmx256m");
        command.add("-D" + AeronTransport.Context.MEMBERS_PROP_NAME + "=" + members);
        command.add("-D" + AeronTransport.Context.AERON_DIR_PROP_NAME + "=" + aeronDirectoryPrefix + "-" + name);
        command.addAll(extraProperties);
        command.addAll(properties);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        final Path output = directory.resolve(name + "-" + System.nanoTime() + ".out");
        try
        {
            Files.createDirectories(directory);
            final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
            final ChildProcess child = new ChildProcess(name, process, output);
            if (!name.startsWith("node-"))
            {
                others.add(child);
            }
            return child;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    GridClient client()
    {
        return GridClient.connect(new GridClient.Context().transport(new AeronTransport.Context()
            .members(MemberEndpoints.parse(members))
            .aeronDirectoryName(aeronDirectoryPrefix + "-client-" + System.nanoTime())));
    }

    /**
     * @return the member that answers as leader in the highest term, -1 if none does.
     */
    int leader(final GridClient client)
    {
        int leader = -1;
        long leaderTerm = -1;
        for (int i = 0; i < nodes.length; i++)
        {
            if (null == nodes[i] || !nodes[i].process.isAlive())
            {
                continue;
            }
            final long[] termAndRole = new long[2];
            try
            {
                client.nodeStatus(i, status ->
                {
                    termAndRole[0] = status.term();
                    termAndRole[1] = status.role() == NodeRole.LEADER ? 1 : 0;
                });
            }
            catch (final RuntimeException ex)
            {
                continue;
            }
            if (1 == termAndRole[1] && termAndRole[0] > leaderTerm)
            {
                leader = i;
                leaderTerm = termAndRole[0];
            }
        }
        return leader;
    }

    public void close()
    {
        for (final ChildProcess node : nodes)
        {
            if (null != node)
            {
                node.kill();
            }
        }
        for (final ChildProcess other : others)
        {
            other.kill();
        }
        // Killed drivers cannot delete their own directories.
        final File parent = new File(aeronDirectoryPrefix).getParentFile();
        final String prefix = new File(aeronDirectoryPrefix).getName();
        final File[] leftovers = parent.listFiles((dir, fileName) -> fileName.startsWith(prefix));
        if (null != leftovers)
        {
            for (final File leftover : leftovers)
            {
                IoUtil.delete(leftover, true);
            }
        }
    }

    static final class ChildProcess
    {
        final String name;
        final Process process;
        final Path output;

        ChildProcess(final String name, final Process process, final Path output)
        {
            this.name = name;
            this.process = process;
            this.output = output;
        }

        /**
         * Waits until the process printed a line starting with {@code prefix}, and returns that line.
         */
        String awaitLine(final String prefix)
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
            while (System.nanoTime() < deadline)
            {
                for (final String line : lines())
                {
                    if (line.startsWith(prefix))
                    {
                        return line;
                    }
                }
                if (!process.isAlive())
                {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + " before \"" +
                        prefix + "\":\n" + String.join("\n", lines()));
                }
                sleep(20);
            }
            throw new IllegalStateException(name + " printed no \"" + prefix + "\" in " + START_TIMEOUT_MS + " ms:\n" +
                String.join("\n", lines()));
        }

        List<String> lines()
        {
            try
            {
                return Files.readAllLines(output, StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                return List.of();
            }
        }

        /**
         * SIGKILL (kill -9), then waits for the process to be gone.
         */
        void kill()
        {
            process.destroyForcibly();
            try
            {
                process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
