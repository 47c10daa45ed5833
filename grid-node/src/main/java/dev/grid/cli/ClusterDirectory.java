package dev.grid.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The directory of a local cluster, as {@code grid cluster start|stop|status} take it.
 */
final class ClusterDirectory
{
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "grid-data",
        description = "the cluster's directory (default: ${DEFAULT-VALUE})")
    Path path;

    /**
     * @return the cluster written in the directory.
     * @throws CliException if it holds none.
     */
    ClusterSpec spec()
    {
        final ClusterSpec spec = ClusterSpec.read(path);
        if (null == spec)
        {
            throw new CliException(GridCli.USAGE, "no cluster in " + path + ": " + path.resolve(ClusterSpec.FILE_NAME) +
                " is missing (grid cluster start --dir " + path + " writes it)");
        }
        return spec;
    }
}
