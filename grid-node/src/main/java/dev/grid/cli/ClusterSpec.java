package dev.grid.cli;

import dev.grid.locks.LockTableContext;
import dev.grid.node.GridNode;
import dev.grid.transport.AeronTransport;
import dev.grid.transport.MemberEndpoints;
import io.aeron.CommonContext;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Where a cluster is and how it is laid out. {@code grid cluster start} writes it as {@code DIR/cluster.properties},
 * which is also every node's {@code --config} file (the grid's own keys: grid.members, grid.caches, ...), next to
 * each member's data directory {@code node-N}, pid file {@code node-N.pid} and output {@code node-N.log}. Without a
 * directory, the cluster is the one {@code -Dgrid.members} names, with each member's media driver at the nodes'
 * default Aeron directory.
 */
final class ClusterSpec
{
    static final String FILE_NAME = "cluster.properties";
    /** Each member's media driver directory is this prefix, a dash and the member id; not a grid key. */
    static final String AERON_DIR_PREFIX_KEY = "cluster.aeron.dir.prefix";

    private final Path directory;
    private final Properties properties;

    private ClusterSpec(final Path directory, final Properties properties)
    {
        this.directory = directory;
        this.properties = properties;
    }

    /**
     * A new cluster in {@code directory}, not yet written.
     *
     * @param settings further grid keys for every node (and the clients that read the spec).
     */
    static ClusterSpec create(
        final Path directory, final String members, final String caches, final Map<String, String> settings)
    {
        final Properties properties = new Properties();
        properties.putAll(settings);
        properties.setProperty(AeronTransport.Context.MEMBERS_PROP_NAME, MemberEndpoints.parse(members).toString());
        properties.setProperty(GridNode.Context.CACHES_PROP_NAME, caches);
        // Unique per cluster, so two clusters on one host never share a driver directory.
        final Path absolute = directory.toAbsolutePath().normalize();
        properties.setProperty(AERON_DIR_PREFIX_KEY, CommonContext.getAeronDirectoryName() + "-grid-" +
            Integer.toHexString(absolute.hashCode()) + "-" + ProcessHandle.current().pid());
        return new ClusterSpec(absolute, properties);
    }

    /**
     * @return the cluster written in {@code directory}, or null if it holds none.
     */
    static ClusterSpec read(final Path directory)
    {
        final Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file))
        {
            return null;
        }
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            properties.load(reader);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        if (null == properties.getProperty(AeronTransport.Context.MEMBERS_PROP_NAME))
        {
            throw new CliException(GridCli.USAGE, file + " names no " + AeronTransport.Context.MEMBERS_PROP_NAME);
        }
        return new ClusterSpec(directory.toAbsolutePath().normalize(), properties);
    }

    /**
     * @return the cluster this process's system properties describe (grid.members, grid.caches), with no directory.
     */
    static ClusterSpec fromSystemProperties()
    {
        final Properties properties = new Properties();
        for (final String key : System.getProperties().stringPropertyNames())
        {
            if (key.startsWith("grid."))
            {
                properties.setProperty(key, System.getProperty(key));
            }
        }
        properties.putIfAbsent(AeronTransport.Context.MEMBERS_PROP_NAME, AeronTransport.Context.MEMBERS_DEFAULT);
        properties.putIfAbsent(GridNode.Context.CACHES_PROP_NAME, GridNode.Context.CACHES_DEFAULT);
        return new ClusterSpec(null, properties);
    }

    void write()
    {
        try
        {
            Files.createDirectories(directory);
            try (Writer writer = Files.newBufferedWriter(file(), StandardCharsets.UTF_8))
            {
                properties.store(writer, "written by grid cluster start; every node's --config file");
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @return the cluster's directory, null if the spec came from system properties.
     */
    Path directory()
    {
        return directory;
    }

    Path file()
    {
        return directory.resolve(FILE_NAME);
    }

    String members()
    {
        return properties.getProperty(AeronTransport.Context.MEMBERS_PROP_NAME);
    }

    MemberEndpoints endpoints()
    {
        return MemberEndpoints.parse(members());
    }

    String caches()
    {
        return properties.getProperty(GridNode.Context.CACHES_PROP_NAME, GridNode.Context.CACHES_DEFAULT);
    }

    int locksServiceId()
    {
        return Integer.parseInt(properties.getProperty(
            LockTableContext.SERVICE_ID_PROP_NAME, Integer.toString(LockTableContext.SERVICE_ID_DEFAULT)));
    }

    Path dataDirectory(final int memberId)
    {
        return directory.resolve("node-" + memberId);
    }

    Path pidFile(final int memberId)
    {
        return directory.resolve("node-" + memberId + ".pid");
    }

    Path logFile(final int memberId)
    {
        return directory.resolve("node-" + memberId + ".log");
    }

    /**
     * @return the directory of the member's media driver, where its counters file (cnc.dat) is.
     */
    String aeronDirectory(final int memberId)
    {
        final String prefix = properties.getProperty(AERON_DIR_PREFIX_KEY);
        if (null != prefix)
        {
            return prefix + "-" + memberId;
        }
        final String explicit = properties.getProperty(AeronTransport.Context.AERON_DIR_PROP_NAME);
        return null != explicit ? explicit : CommonContext.getAeronDirectoryName() + "-grid-" + memberId;
    }
}
