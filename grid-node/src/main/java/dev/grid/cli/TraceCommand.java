package dev.grid.cli;

import dev.grid.cache.trace.TraceReplay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code grid trace}: replays a cache access trace through the off-heap cache ({@link TraceReplay}).
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = "Replays a cache access trace (plain, .gz or .xz) through the off-heap cache in this process and " +
        "prints hit_ratio=0.xxxx.")
final class TraceCommand implements Callable<Integer>
{
    @Option(names = "--format", paramLabel = "lirs|cache2k|corda", required = true, description = "the trace format")
    String format;

    @Option(names = "--policy", paramLabel = "lru|lfu", defaultValue = "lru",
        description = "the eviction policy (default: ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--capacity", paramLabel = "N", required = true, description = "entries the cache holds")
    int capacity;

    @Option(names = "--admission", description = "W-TinyLFU admission in front of the policy")
    boolean admission;

    @Option(names = "--lfu-sweep",
        description = "LFU: sample eviction candidates by a hand sweeping the entries instead of at random")
    boolean lfuSweep;

    @Parameters(index = "0", paramLabel = "FILE", description = "the trace file")
    Path file;

    public Integer call() throws IOException
    {
        if (!Files.isReadable(file))
        {
            throw new CliException(GridCli.USAGE, "cannot read the trace " + file);
        }
        final List<String> args = new ArrayList<>(List.of(
            "--format", format, "--policy", policy, "--capacity", Integer.toString(capacity)));
        if (admission)
        {
            args.add("--admission");
        }
        if (lfuSweep)
        {
            args.add("--lfu-sweep");
        }
        args.add(file.toString());
        TraceReplay.main(args.toArray(new String[0]));
        return GridCli.OK;
    }
}
