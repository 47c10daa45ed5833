package dev.grid.log;

import dev.grid.sbe.EntryType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class LogToolTest
{
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final LogTool tool = new LogTool(new PrintStream(output, true, StandardCharsets.UTF_8));

    @Test
    void demoShowsTruncationCompactionAndRecovery() throws Exception
    {
        assertThat(tool.run(new String[]{ "demo", "40000" })).isZero();

        assertThat(output.toString(StandardCharsets.UTF_8))
            .contains("appended 40,000 entries")
            .contains("truncated, last index now 39989")
            .contains("compacted, first index now 30001")
            .contains("reading compacted entry 30000 is refused")
            .contains("entries 30001..39989")
            .contains("current term 1, voted for 1");
    }

    @Test
    void inspectDescribesALogDirectory(@TempDir final Path dir) throws Exception
    {
        try (ChronicleRaftLog log = ChronicleRaftLog.open(new ChronicleRaftLog.Context().directory(dir)))
        {
            final UnsafeBuffer payload = new UnsafeBuffer("hello".getBytes(StandardCharsets.US_ASCII));
            log.append(1, 2, 10, EntryType.COMMAND, 3, 4, 5, payload, 0, 5);
            log.storeTermAndVote(2, 0);
        }

        assertThat(tool.run(new String[]{ "inspect", dir.toString() })).isZero();
        assertThat(output.toString(StandardCharsets.UTF_8))
            .contains("entries 1..1 (base term 0, last term 2)")
            .contains("current term 2, voted for 0")
            .contains("last entry 1: term 2, COMMAND, service 3, session 4, sequence 5, 5 payload bytes: hello");
    }

    @Test
    void unknownCommandsPrintUsage() throws Exception
    {
        assertThat(tool.run(new String[]{ "frobnicate" })).isEqualTo(2);
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("usage:");
    }
}
