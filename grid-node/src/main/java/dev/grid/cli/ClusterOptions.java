package dev.grid.cli;

import dev.grid.transport.AeronTransport;
import org.agrona.SystemUtil;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * How a command finds its cluster: {@code --dir DIR} (written by {@code grid cluster start}), else
 * {@code -Dgrid.members}, else the default directory if a cluster was started there.
 */
final class ClusterOptions
{
    static final Path DEFAULT_DIRECTORY = Paths.get("grid-data");

    @Option(names = "--dir", paramLabel = "DIR",
        description = "the cluster's directory, as given to grid cluster start (default: grid-data if it holds a " +
            "cluster, else the members in -Dgrid.members)")
    Path directory;

    ClusterSpec spec()
    {
        if (null != directory)
        {
            final ClusterSpec spec = ClusterSpec.read(directory);
            if (null == spec)
            {
                throw new CliException(GridCli.USAGE, "no cluster in " + directory + ": " +
                    directory.resolve(ClusterSpec.FILE_NAME) + " is missing (grid cluster start --dir " + directory +
                    " writes it)");
            }
            return spec;
        }
        if (null == System.getProperty(AeronTransport.Context.MEMBERS_PROP_NAME) &&
            Files.isRegularFile(DEFAULT_DIRECTORY.resolve(ClusterSpec.FILE_NAME)))
        {
            return ClusterSpec.read(DEFAULT_DIRECTORY);
        }
        if (null == System.getProperty(AeronTransport.Context.MEMBERS_PROP_NAME))
        {
            throw new CliException(GridCli.USAGE, "no cluster given: use --dir DIR (a directory grid cluster start " +
                "wrote) or -Dgrid.members=ID=HOST:PEER_PORT:CLIENT_PORT,... (via GRID_JAVA_OPTS)");
        }
        return ClusterSpec.fromSystemProperties();
    }

    /**
     * @return the option's duration (a number with a unit suffix: 100us, 500ms, 10s; none = nanoseconds).
     */
    static long duration(final String option, final String value)
    {
        final long nanos;
        try
        {
            nanos = SystemUtil.parseDuration(option, value);
        }
        catch (final NumberFormatException ex)
        {
            throw new CliException(GridCli.USAGE, option + " " + value + " is not a duration (e.g. 500ms, 10s)");
        }
        if (nanos < 0)
        {
            throw new CliException(GridCli.USAGE, option + " must not be negative");
        }
        return nanos;
    }
}
