package dev.grid.log;

import dev.grid.core.LogEntryView;
import dev.grid.sbe.EntryType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ChronicleRaftLogSmokeTest
{
    @TempDir
    Path dir;

    private ChronicleRaftLog open()
    {
        return ChronicleRaftLog.open(new ChronicleRaftLog.Context().directory(dir).segmentLength(64 * 1024)
            .blockSize(64 * 1024).maxEntryLength(4096).syncPolicy(SyncPolicy.BATCH));
    }

    @Test
    void smoke()
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[300]);
        try (ChronicleRaftLog log = open())
        {
            for (int i = 1; i <= 2000; i++)
            {
                payload.putInt(0, i);
                log.append(i, 1 + i / 500, i * 10L, EntryType.COMMAND, 1, 7, i, payload, 0, 300);
            }
            final LogEntryView e = log.entry(1234);
            assertThat(e.index()).isEqualTo(1234);
            assertThat(e.payload().getInt(0)).isEqualTo(1234);
            System.out.println("segments " + log.segmentCount());
            log.truncateFrom(1990);
            log.compactTo(1500);
            System.out.println("segments after compaction " + log.segmentCount());
            assertThat(log.firstIndex()).isEqualTo(1501);
            log.storeTermAndVote(5, 2);
        }
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.firstIndex()).isEqualTo(1501);
            assertThat(log.lastIndex()).isEqualTo(1989);
            assertThat(log.termAt(1500)).isEqualTo(4);
            assertThat(log.entry(1501).payload().getInt(0)).isEqualTo(1501);
            for (long i = 1501; i <= 1989; i++)
            {
                assertThat(log.entry(i).index()).isEqualTo(i);
            }
            assertThat(log.currentTerm()).isEqualTo(5);
            assertThat(log.votedFor()).isEqualTo(2);
        }
    }
}
