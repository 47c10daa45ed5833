package dev.grid.cli;

import dev.grid.client.GridClientException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * The grid's command line ({@code bin/grid}): a local cluster of node processes, cache and lock commands against any
 * cluster, the counters every node publishes, and the tools (trace replay, the latency bench, the demo).
 * <p>
 * Exit codes: {@link #OK}, {@link #NO} (the grid answered no: a key not found, a lock not granted or not held),
 * {@link #USAGE} (bad arguments, an unknown cache, no cluster given), {@link #UNAVAILABLE} (no leader, no answer,
 * a node that would not start or stop).
 */
@Command(
    name = "grid",
    mixinStandardHelpOptions = true,
    versionProvider = GridCli.Version.class,
    description = "An off-heap, Raft-replicated data grid: run nodes, a local cluster, caches and fenced locks.",
    subcommands = {
        NodeCommand.class,
        ClusterCommand.class,
        CacheCommands.Put.class,
        CacheCommands.Get.class,
        CacheCommands.Remove.class,
        LockCommands.Lock.class,
        LockCommands.Unlock.class,
        StatCommand.class,
        TraceCommand.class,
        BenchCommand.class,
        DemoCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:done",
        "1:the grid answered no (key not found, lock not granted or not held)",
        "2:bad arguments, unknown cache, no cluster given",
        "3:the cluster is unavailable (no leader, no answer, a node would not start or stop)"})
public final class GridCli implements Runnable
{
    public static final int OK = 0;
    public static final int NO = 1;
    public static final int USAGE = 2;
    public static final int UNAVAILABLE = 3;

    @Spec
    CommandSpec spec;

    private GridCli()
    {
    }

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    /**
     * @return the command line, ready to {@link CommandLine#execute}; its output goes to {@link CommandLine#getOut}
     * and {@link CommandLine#getErr}, which tests replace.
     */
    public static CommandLine commandLine()
    {
        final CommandLine commandLine = new CommandLine(new GridCli());
        commandLine.setExecutionExceptionHandler(GridCli::onFailure);
        commandLine.setParameterExceptionHandler(GridCli::onBadArguments);
        return commandLine;
    }

    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    private static int onBadArguments(final CommandLine.ParameterException ex, final String[] args)
    {
        final CommandLine commandLine = ex.getCommandLine();
        final PrintWriter err = commandLine.getErr();
        err.println(commandLine.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("(" + commandLine.getCommandSpec().qualifiedName() + " --help shows the usage)");
        err.flush();
        return USAGE;
    }

    private static int onFailure(final Exception ex, final CommandLine commandLine, final ParseResult parseResult)
    {
        final PrintWriter err = commandLine.getErr();
        final int exitCode = exitCodeOf(ex);
        err.println(commandLine.getCommandSpec().qualifiedName() + ": " + messageOf(ex));
        if (USAGE == exitCode && !(ex instanceof CliException))
        {
            err.println("(" + commandLine.getCommandSpec().qualifiedName() + " --help shows the usage)");
        }
        err.flush();
        return exitCode;
    }

    private static int exitCodeOf(final Exception ex)
    {
        if (ex instanceof CliException)
        {
            return ((CliException)ex).exitCode();
        }
        if (ex instanceof GridClientException.BadArgumentException ||
            ex instanceof GridClientException.ValueTooLargeException || ex instanceof IllegalArgumentException)
        {
            return USAGE;
        }
        if (ex instanceof GridClientException.NoLeaderException ||
            ex instanceof GridClientException.GridTimeoutException)
        {
            return UNAVAILABLE;
        }
        return NO;
    }

    private static String messageOf(final Exception ex)
    {
        return null == ex.getMessage() ? ex.toString() : ex.getMessage();
    }

    /**
     * The version of the grid-node jar this runs from.
     */
    static final class Version implements CommandLine.IVersionProvider
    {
        public String[] getVersion()
        {
            final String version = GridCli.class.getPackage().getImplementationVersion();
            return new String[]{"grid " + (null == version ? "(built from source)" : version)};
        }
    }
}
