package dev.grid.cli;

import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import dev.grid.cache.trace.TraceReplay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code grid trace} passes every option through to the replay: the hit ratio printed is the one the cache so
 * configured gives.
 */
class TraceCommandTest
{
    private static final int CAPACITY = 30;

    @Test
    void printsTheHitRatioOfTheConfiguredCache(@TempDir final Path dir) throws IOException
    {
        final SplittableRandom random = new SplittableRandom(3);
        final long[] trace = new long[4000];
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < trace.length; i++)
        {
            trace[i] = random.nextInt(4) == 0 ? random.nextInt(200) : i % 40;
            text.append(trace[i]).append('\n');
        }
        final Path file = dir.resolve("mixed.lirs");
        Files.writeString(file, text, StandardCharsets.US_ASCII);

        final double uniform = TraceReplay.replay(trace,
            new CacheContext().policy(CachePolicy.LFU).maxEntries(CAPACITY));
        final double sweep = TraceReplay.replay(trace,
            new CacheContext().policy(CachePolicy.LFU).maxEntries(CAPACITY).lfuSweep(true));
        final double admission = TraceReplay.replay(trace,
            new CacheContext().policy(CachePolicy.LFU).maxEntries(CAPACITY).admission(true));
        assertThat(sweep).as("the trace tells the options apart").isNotEqualTo(uniform);
        assertThat(admission).as("the trace tells the options apart").isNotEqualTo(uniform).isNotEqualTo(sweep);

        assertThat(trace(file)).isEqualTo(hitRatio(uniform));
        assertThat(trace(file, "--lfu-sweep")).isEqualTo(hitRatio(sweep));
        assertThat(trace(file, "--admission")).isEqualTo(hitRatio(admission));
    }

    private static String hitRatio(final double ratio)
    {
        return String.format(Locale.ROOT, "hit_ratio=%.4f", ratio);
    }

    private static String trace(final Path file, final String... options)
    {
        final List<String> args = new ArrayList<>(List.of(
            "trace", "--format", "lirs", "--policy", "lfu", "--capacity", Integer.toString(CAPACITY)));
        args.addAll(List.of(options));
        args.add(file.toString());
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            assertThat(GridCli.commandLine().execute(args.toArray(new String[0]))).isZero();
        }
        finally
        {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8).trim();
    }
}
