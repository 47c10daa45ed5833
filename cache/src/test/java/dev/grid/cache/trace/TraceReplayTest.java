package dev.grid.cache.trace;

import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceReplayTest
{
    @Test
    void readsTheThreeFormats() throws IOException
    {
        final byte[] lirs = "5\n*\n7\n  5 \n\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(TraceFormat.LIRS.readAll(new ByteArrayInputStream(lirs))).containsExactly(5, 7, 5);

        final ByteArrayOutputStream ints = new ByteArrayOutputStream();
        final DataOutputStream intOut = new DataOutputStream(ints);
        intOut.writeInt(0x0A000001);
        intOut.writeInt(-2);
        assertThat(TraceFormat.CACHE2K.readAll(new ByteArrayInputStream(ints.toByteArray())))
            .containsExactly(0x0A000001L, -2L);

        final ByteArrayOutputStream longs = new ByteArrayOutputStream();
        final DataOutputStream longOut = new DataOutputStream(longs);
        longOut.writeLong(Long.MIN_VALUE);
        longOut.writeLong(42);
        assertThat(TraceFormat.CORDA.readAll(new ByteArrayInputStream(longs.toByteArray())))
            .containsExactly(Long.MIN_VALUE, 42L);
    }

    @Test
    void lruReplayEqualsExactLru()
    {
        final SplittableRandom random = new SplittableRandom(3);
        final long[] trace = new long[50_000];
        for (int i = 0; i < trace.length; i++)
        {
            trace[i] = random.nextInt(10) < 7 ? random.nextInt(300) : random.nextInt(5000);
        }
        for (final int capacity : new int[] {16, 200, 1000})
        {
            assertThat(TraceReplay.replay(trace, CachePolicy.LRU, capacity))
                .isEqualTo(exactLru(trace, capacity)).isPositive();
        }
        final double lfu = TraceReplay.replay(trace, CachePolicy.LFU, 200);
        assertThat(lfu).as("LFU keeps the hot keys").isGreaterThan(exactLru(trace, 200));
        assertThat(TraceReplay.replay(trace, new CacheContext().policy(CachePolicy.LFU).maxEntries(200)))
            .as("deterministic").isEqualTo(lfu);
    }

    @Test
    void lruReplayEqualsExactLruOnARealTrace() throws IOException
    {
        final Path file = Path.of(System.getProperty("grid.traces.dir", "../../shared/traces"))
            .resolve("lirs_multi2.trace.gz");
        Assumptions.assumeTrue(Files.exists(file), "shared traces not present");
        final long[] trace;
        try (InputStream in = TraceReplay.open(file.toString()))
        {
            trace = TraceFormat.LIRS.readAll(in);
        }
        assertThat(trace).hasSize(26_311);
        assertThat(TraceReplay.replay(trace, CachePolicy.LRU, 1000)).isEqualTo(exactLru(trace, 1000));
    }

    @Test
    void mainPrintsTheHitRatio(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("loop.lirs");
        Files.writeString(file, "1\n2\n1\n2\n*\n3\n1\n", StandardCharsets.US_ASCII);
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            TraceReplay.main(new String[] {"--format", "lirs", "--policy", "lru", "--capacity", "2", file.toString()});
        }
        finally
        {
            System.setOut(out);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).trim()).isEqualTo("hit_ratio=0.3333");
    }

    @Test
    void mainNamesWhatIsMissingOrWrong()
    {
        assertThatThrownBy(() -> TraceReplay.main(new String[] {"--format", "lirs", "--capacity", "2"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("missing FILE");
        assertThatThrownBy(() -> TraceReplay.main(new String[] {"--format", "lirs", "trace.lirs"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("missing --capacity");
        assertThatThrownBy(() -> TraceReplay.main(new String[] {"--capacity", "2", "trace.lirs"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("missing --format");
        for (final String capacity : new String[] {"0", "-5"})
        {
            assertThatThrownBy(() -> TraceReplay.main(
                new String[] {"--format", "lirs", "--capacity", capacity, "trace.lirs"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--capacity must be at least 1 entry");
        }
    }

    private static double exactLru(final long[] trace, final int capacity)
    {
        final LinkedHashMap<Long, Boolean> lru = new LinkedHashMap<>(16, 0.75f, true)
        {
            private static final long serialVersionUID = 1L;

            protected boolean removeEldestEntry(final Map.Entry<Long, Boolean> eldest)
            {
                return size() > capacity;
            }
        };
        long hits = 0;
        for (final long key : trace)
        {
            if (null != lru.get(key))
            {
                hits++;
            }
            else
            {
                lru.put(key, Boolean.TRUE);
            }
        }
        return (double)hits / trace.length;
    }
}
