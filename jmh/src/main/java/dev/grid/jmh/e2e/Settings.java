package dev.grid.jmh.e2e;

import dev.grid.core.IdleStrategies;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What one end-to-end run measures and how: the command line of {@link EndToEndBenchmark}.
 *
 * @param out              where the results go (.hgrm files, the plot, the summary).
 * @param work             where the systems keep their data while they run (deleted after each).
 * @param warmup           warm-up operations per latency series.
 * @param operations       measured operations per latency series.
 * @param throughputOps    completed operations of a pipelined throughput run (a fifth of that warms it up).
 * @param window           outstanding operations at most in a pipelined run.
 * @param rate             pace of latency series in operations per second; 0 = back to back.
 * @param busySpin         every agent and driver thread busy-spins (isolated cores only) instead of backing off.
 * @param sharedGridDriver our three nodes and our client share one media driver (else one each, as Aeron Cluster).
 * @param fsync            durability on disk before acknowledging: our log BATCH, Aeron's archive and consensus
 *                         module file sync level 1; else page cache only (ours NONE, Aeron's level 0, the defaults).
 * @param systems          which systems run: grid, aeron, hazelcast.
 */
record Settings(
    Path out,
    Path work,
    int warmup,
    int operations,
    long throughputOps,
    int window,
    int rate,
    boolean busySpin,
    boolean sharedGridDriver,
    boolean fsync,
    Set<String> systems)
{
    static final String GRID = "grid";
    static final String AERON = "aeron";
    static final String HAZELCAST = "hazelcast";

    static final String USAGE = String.join(System.lineSeparator(),
        "usage: EndToEndBenchmark [options]",
        "  --out DIR             results directory (default target/bench-e2e/<date-time>)",
        "  --work DIR            data directories while a system runs (default: a temporary directory)",
        "  --ops N               measured operations per latency series (default 100000)",
        "  --warmup N            warm-up operations per latency series (default 20000)",
        "  --throughput-ops N    operations of a pipelined throughput run (default 200000)",
        "  --window N            outstanding operations in a pipelined run (default 16)",
        "  --rate N              pace latency series at N ops/s, latency from the intended start (default 0: back to back)",
        "  --busy-spin           every agent and driver busy-spins (isolated cores only; default: back off)",
        "  --grid-driver MODE    per-node (default: a media driver per node and one for the client, as Aeron",
        "                        Cluster runs) or shared (one driver for our nodes and client, as GridDemo)",
        "  --fsync               force to disk before acknowledging (ours BATCH, Aeron file sync level 1)",
        "  --systems LIST        comma-separated: grid,aeron,hazelcast (default all)");

    static Settings parse(final String[] args)
    {
        Path out = null;
        Path work = null;
        int warmup = 20_000;
        int operations = 100_000;
        long throughputOps = 200_000;
        int window = 16;
        int rate = 0;
        boolean busySpin = false;
        boolean sharedGridDriver = false;
        boolean fsync = false;
        final Set<String> systems = new LinkedHashSet<>(List.of(GRID, AERON, HAZELCAST));
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--work" -> work = Path.of(value(args, ++i, arg));
                case "--ops" -> operations = positive(value(args, ++i, arg), arg);
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, arg));
                case "--throughput-ops" -> throughputOps = positive(value(args, ++i, arg), arg);
                case "--window" -> window = positive(value(args, ++i, arg), arg);
                case "--rate" -> rate = Integer.parseInt(value(args, ++i, arg));
                case "--busy-spin" -> busySpin = true;
                case "--fsync" -> fsync = true;
                case "--grid-driver" ->
                {
                    final String mode = value(args, ++i, arg);
                    if (!"shared".equals(mode) && !"per-node".equals(mode))
                    {
                        throw new IllegalArgumentException("--grid-driver is per-node or shared, not " + mode);
                    }
                    sharedGridDriver = "shared".equals(mode);
                }
                case "--systems" ->
                {
                    systems.clear();
                    for (final String system : value(args, ++i, arg).split(","))
                    {
                        final String name = system.trim().toLowerCase(Locale.ROOT);
                        if (!List.of(GRID, AERON, HAZELCAST).contains(name))
                        {
                            throw new IllegalArgumentException("unknown system '" + system + "' in --systems");
                        }
                        systems.add(name);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (warmup < 0 || rate < 0)
        {
            throw new IllegalArgumentException("--warmup and --rate must not be negative");
        }
        if (null == out)
        {
            out = Path.of("target", "bench-e2e",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return new Settings(out, work, warmup, operations, throughputOps, window, rate, busySpin, sharedGridDriver,
            fsync, systems);
    }

    boolean runs(final String system)
    {
        return systems.contains(system);
    }

    /**
     * @return the name of the idle strategy every agent uses (the node's {@code grid.idle.strategy} values).
     */
    String idleName()
    {
        return busySpin ? "busy-spin" : "backoff";
    }

    /**
     * @return a new idle strategy for one agent thread: exactly what a grid node's agent runs with.
     */
    IdleStrategy newIdleStrategy()
    {
        return IdleStrategies.named(idleName());
    }

    private static String value(final String[] args, final int index, final String option)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static int positive(final String text, final String option)
    {
        final int value = Integer.parseInt(text);
        if (value < 1)
        {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
        return value;
    }
}
