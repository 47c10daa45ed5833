package dev.grid.cli;

import dev.grid.node.GridNodeMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code grid node --config FILE}: one node in the foreground, as {@link GridNodeMain} runs it.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = {
        "Runs one node in the foreground until SIGINT or SIGTERM; prints a 'grid-node ready' line once serving.",
        "Configuration is system properties (-D via GRID_JAVA_OPTS, every key in docs/operations.md); each " +
            "--config file is loaded into them first, and a -D wins over the same key in a file."})
final class NodeCommand implements Callable<Integer>
{
    @Option(names = "--config", paramLabel = "FILE", description = "a properties file of grid settings (repeatable)")
    List<Path> configFiles = new ArrayList<>();

    public Integer call()
    {
        final List<String> args = new ArrayList<>();
        for (final Path file : configFiles)
        {
            if (!Files.isReadable(file))
            {
                throw new CliException(GridCli.USAGE, "cannot read the configuration file " + file);
            }
            args.add("--config");
            args.add(file.toString());
        }
        GridNodeMain.main(args.toArray(new String[0]));
        return GridCli.OK;
    }
}
