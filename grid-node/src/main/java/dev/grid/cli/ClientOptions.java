package dev.grid.cli;

import dev.grid.client.GridClient;
import dev.grid.transport.AeronTransport;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of a command that talks to the cluster through a client session: which cluster, and how long to wait.
 */
final class ClientOptions
{
    @Mixin
    ClusterOptions cluster;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s",
        description = "how long to wait for a leader and for each answer, e.g. 500ms, 10s (default: ${DEFAULT-VALUE})")
    String timeout;

    /**
     * Connects a client to the cluster; a session is open when it returns and closes (releasing its locks) when the
     * client is closed.
     */
    GridClient connect()
    {
        final long timeoutNs = ClusterOptions.duration("--timeout", timeout);
        if (0 == timeoutNs)
        {
            throw new CliException(GridCli.USAGE, "--timeout must be positive");
        }
        return connect(cluster.spec(), timeoutNs);
    }

    /**
     * Connects a client to the cluster the spec describes, with this timeout for a leader and for each answer.
     */
    static GridClient connect(final ClusterSpec spec, final long timeoutNs)
    {
        return GridClient.connect(new GridClient.Context()
            .requestTimeoutNs(timeoutNs)
            .cacheNames(spec.caches())
            .locksServiceId(spec.locksServiceId())
            .transport(new AeronTransport.Context().members(spec.endpoints())));
    }
}
