package dev.grid.jmh.e2e;

import dev.grid.jmh.e2e.Harness.LatencyResult;
import dev.grid.jmh.e2e.Harness.ThroughputResult;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EndToEndReportTest
{
    @TempDir
    Path dir;

    private static LatencyResult latency(final String system, final String operation, final long valueNs)
    {
        final Histogram histogram = new Histogram(3);
        histogram.recordValueWithCount(valueNs, 1000);
        return new LatencyResult(system, operation, histogram, 1_000_000_000L, 500_000_000L, 1.0);
    }

    @Test
    void targetsAreJudgedAsRatiosAgainstThePeersOfTheSameRun() throws Exception
    {
        final Report report = new Report(
            List.of(
                latency(GridSystem.NAME, Report.PUT, 70_000),
                latency(GridSystem.NAME, Report.GET_LOCAL_EMBEDDED, 1_500),
                latency(GridSystem.NAME, Report.LOCK_UNLOCK, 130_000),
                latency(AeronClusterSystem.NAME, Report.ECHO, 100_000),
                latency(HazelcastSystem.NAME, Report.LOCK_UNLOCK, 1_000_000)),
            List.of(
                new ThroughputResult(GridSystem.NAME, Report.PIPELINED_PUT, 1000, 16, 100_000_000L, 1, 1.0),
                new ThroughputResult(AeronClusterSystem.NAME, Report.PIPELINED_ECHO, 1000, 16, 50_000_000L, 1, 1.0)));
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String text = bytes.toString(StandardCharsets.UTF_8);

        // HdrHistogram reports the highest value equivalent to a recorded one (3 significant digits).
        assertThat(text).contains("| put p50 ≤ 0.8× Aeron Cluster echo p50 | 70.0 µs | 100 µs | 0.70 | yes |");
        assertThat(text).contains("| put p99 ≤ 1.0× Aeron Cluster echo p99 | 70.0 µs | 100 µs | 0.70 | yes |");
        assertThat(text).contains("| pipelined put ≥ 1.0× Aeron Cluster pipelined echo | 10,000/s | 20,000/s | 0.50 " +
            "| **no** |");
        assertThat(text).contains("| local get p50 ≤ 1 µs | 1.50 µs | 1 µs | 1.50 | **no** |");
        assertThat(text).contains("| lock+unlock p50 ≤ 2× our put p50 | 130 µs | 70.0 µs | 1.86 | yes |");
        assertThat(text).contains("| lock+unlock p50 ≤ 0.2× Hazelcast CP FencedLock p50 | 130 µs | 1,000 µs | 0.13 " +
            "| yes |");
        assertThat(text).contains("| grid | put | 70.0 | 70.0 | 70.0 | 70.0 | 70.0 | 1,000 | 0.50 |");

        report.write(dir, List.of("a header line"));
        assertThat(dir.resolve("latency.png")).isNotEmptyFile();
        assertThat(dir.resolve("grid-lock-unlock.hgrm")).isNotEmptyFile();
        assertThat(Files.readString(dir.resolve("summary.md"))).startsWith("- a header line").contains(text.trim());
    }

    @Test
    void aRunWithoutPeersJudgesNoRatio()
    {
        final Report report = new Report(List.of(latency(GridSystem.NAME, Report.PUT, 70_000)), List.of());
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("| grid | put |").doesNotContain("| target |");
    }

    @Test
    void optionsAreParsedAndBadOnesRefusedWithTheReason()
    {
        final Settings settings = Settings.parse(new String[] {"--ops", "500", "--window", "32", "--systems",
            "grid,hazelcast", "--grid-driver", "shared", "--fsync", "--out", dir.toString()});
        assertThat(settings.operations()).isEqualTo(500);
        assertThat(settings.window()).isEqualTo(32);
        assertThat(settings.runs(Settings.GRID)).isTrue();
        assertThat(settings.runs(Settings.AERON)).isFalse();
        assertThat(settings.sharedGridDriver()).isTrue();
        assertThat(settings.fsync()).isTrue();
        assertThat(settings.idleName()).isEqualTo("backoff");
        assertThat(Settings.parse(new String[] {"--busy-spin"}).idleName()).isEqualTo("busy-spin");

        assertThatThrownBy(() -> Settings.parse(new String[] {"--systems", "redis"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown system 'redis'");
        assertThatThrownBy(() -> Settings.parse(new String[] {"--ops", "0"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--ops must be at least 1");
        assertThatThrownBy(() -> Settings.parse(new String[] {"--window"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--window needs a value");
        assertThatThrownBy(() -> Settings.parse(new String[] {"--grid-driver", "none"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("per-node or shared");
        assertThatThrownBy(() -> Settings.parse(new String[] {"--bogus"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown option --bogus");
    }
}
