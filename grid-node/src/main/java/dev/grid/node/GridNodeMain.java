package dev.grid.node;

import org.agrona.PropertyAction;
import org.agrona.SystemUtil;
import org.agrona.concurrent.ShutdownSignalBarrier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Runs one node in the foreground until SIGINT or SIGTERM: {@code GridNodeMain [--config FILE]...}.
 * <p>
 * Configuration is system properties (every key is listed in docs/operations.md); each {@code --config} file is
 * loaded into them first, and a {@code -D} given on the command line wins over the same key in a file, so one file
 * can serve every node and {@code -Dgrid.member.id=N} picks the member.
 */
public final class GridNodeMain
{
    /** Printed once the node has opened its data directory and joined its transport, for scripts that wait on it. */
    public static final String READY_LINE_PREFIX = "grid-node ready";

    private GridNodeMain()
    {
    }

    public static void main(final String[] args)
    {
        loadConfiguration(args);
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier();
            GridNode node = GridNode.launch(new GridNode.Context()))
        {
            final GridNode.Context ctx = node.context();
            System.out.println(READY_LINE_PREFIX + " member=" + node.memberId() + " members=" +
                ctx.transport().members() + " dir=" + ctx.directory().toAbsolutePath() +
                " idle=" + ctx.idleStrategy().alias());
            System.out.flush();
            barrier.await();
        }
    }

    static void loadConfiguration(final String[] args)
    {
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if ("--config".equals(arg) && i + 1 < args.length)
            {
                final Path file = Paths.get(args[++i]);
                if (!Files.isReadable(file))
                {
                    throw new IllegalArgumentException("cannot read the configuration file " + file);
                }
                SystemUtil.loadPropertiesFile(PropertyAction.PRESERVE, file.toString());
            }
            else if ("--help".equals(arg) || "-h".equals(arg))
            {
                System.out.println("usage: GridNodeMain [--config FILE]... (system properties: docs/operations.md)");
                System.exit(0);
            }
            else
            {
                throw new IllegalArgumentException("unknown argument " + arg + ": usage GridNodeMain [--config FILE]");
            }
        }
    }
}
