package dev.grid.log;

import dev.grid.core.LogEntryView;
import dev.grid.core.LogEntryWriter;
import dev.grid.sbe.EntryType;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChronicleRaftLogTest
{
    @TempDir
    Path dir;

    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[4096]);

    private ChronicleRaftLog.Context context(final SyncPolicy policy)
    {
        return new ChronicleRaftLog.Context()
            .directory(dir)
            .syncPolicy(policy)
            .blockSize(64 * 1024)
            .maxEntryLength(8 * 1024)
            .segmentLength(32 * 1024);
    }

    private ChronicleRaftLog open()
    {
        return ChronicleRaftLog.open(context(SyncPolicy.BATCH));
    }

    private void appendMarked(final RaftLog log, final long from, final long to, final long term)
    {
        for (long index = from; index <= to; index++)
        {
            final int length = payload.putStringWithoutLengthAscii(0, String.format("ENTRY-%08d-MARK", index));
            log.append(index, term, index * 1000, EntryType.COMMAND, 3, 5, index, payload, 0, length);
        }
    }

    private static String payloadOf(final LogEntryView entry)
    {
        return entry.payload().getStringWithoutLengthAscii(0, entry.payloadLength());
    }

    @Test
    void reopenRebuildsEntriesTermsAndBase()
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 300, 1);
            appendMarked(log, 301, 600, 4);
            log.truncateFrom(550);
            appendMarked(log, 550, 700, 5);
            log.compactTo(320);
            assertThat(log.segmentCount()).isGreaterThan(1);
        }
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.firstIndex()).isEqualTo(321);
            assertThat(log.lastIndex()).isEqualTo(700);
            assertThat(log.termAt(320)).isEqualTo(4);
            assertThat(log.termAt(549)).isEqualTo(4);
            assertThat(log.termAt(550)).isEqualTo(5);
            assertThat(log.lastTerm()).isEqualTo(5);
            assertThat(payloadOf(log.entry(321))).isEqualTo("ENTRY-00000321-MARK");
            assertThat(log.entry(600).term()).as("the truncated suffix is gone").isEqualTo(5);
            assertThat(log.discardedTailRecords()).isZero();
        }
    }

    /**
     * Chronicle moves to the next segment by writing an end-of-file marker into the full one and then creating the
     * next file: a crash between the two leaves the last segment closed and no successor. The log must reopen
     * with every entry and append into a new segment (Chronicle refuses writes after the marker).
     */
    @Test
    void aCrashBetweenClosingTheLastSegmentAndCreatingTheNextLosesNothingAndAppendsGoOn() throws IOException
    {
        final int segments;
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 900, 2);
            segments = log.segmentCount();
        }
        closeLastSegmentWithoutSuccessor();

        try (ChronicleRaftLog log = open())
        {
            assertThat(log.lastIndex()).isEqualTo(900);
            assertThat(log.discardedTailRecords()).isZero();
            appendMarked(log, 901, 1_000, 3);
            assertThat(log.segmentCount()).as("appends went on in a new segment").isEqualTo(segments + 1);
            log.sync();
        }
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.lastIndex()).isEqualTo(1_000);
            assertThat(log.termAt(900)).isEqualTo(2);
            assertThat(log.termAt(901)).isEqualTo(3);
            assertThat(payloadOf(log.entry(900))).isEqualTo("ENTRY-00000900-MARK");
            assertThat(payloadOf(log.entry(1_000))).isEqualTo("ENTRY-00001000-MARK");
        }
    }

    @Test
    void compactionDeletesWholeSegmentsAndRefusesCompactedReads() throws IOException
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 2_000, 2);
            final int segmentsBefore = log.segmentCount();
            final int filesBefore = segmentFiles().size();
            log.compactTo(1_900);

            assertThat(log.segmentCount()).isLessThan(segmentsBefore);
            assertThat(segmentFiles().size()).isLessThan(filesBefore);
            assertThat(log.firstIndex()).isEqualTo(1_901);
            assertThat(log.termAt(1_900)).isEqualTo(2);
            assertThatThrownBy(() -> log.entry(1_900)).isInstanceOf(LogException.class).hasMessageContaining("compacted");
            assertThatThrownBy(() -> log.termAt(1_899)).isInstanceOf(LogException.class)
                .hasMessageContaining("compacted");
            assertThatThrownBy(() -> log.truncateFrom(1_900)).isInstanceOf(LogException.class);
            assertThatThrownBy(() -> log.compactTo(1_899)).isInstanceOf(LogException.class);
            assertThat(payloadOf(log.entry(1_901))).isEqualTo("ENTRY-00001901-MARK");
        }
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.firstIndex()).isEqualTo(1_901);
            assertThat(log.lastIndex()).isEqualTo(2_000);
        }
    }

    @Test
    void resetRestartsTheLogAfterASnapshot()
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 50, 1);
            log.reset(5_000, 7);
            assertThat(log.firstIndex()).isEqualTo(5_001);
            assertThat(log.lastIndex()).isEqualTo(5_000);
            assertThat(log.lastTerm()).isEqualTo(7);
            assertThatThrownBy(() -> appendMarked(log, 51, 51, 7)).isInstanceOf(LogException.class);
            appendMarked(log, 5_001, 5_010, 7);
        }
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.firstIndex()).isEqualTo(5_001);
            assertThat(log.lastIndex()).isEqualTo(5_010);
            assertThat(log.termAt(5_000)).isEqualTo(7);
            assertThat(payloadOf(log.entry(5_010))).isEqualTo("ENTRY-00005010-MARK");
        }
    }

    @Test
    void replicatedEntriesAreStoredByteForByte(@TempDir final Path other)
    {
        final ExpandableArrayBuffer batch = new ExpandableArrayBuffer();
        try (ChronicleRaftLog leader = open();
            ChronicleRaftLog follower = ChronicleRaftLog.open(new ChronicleRaftLog.Context().directory(other)))
        {
            appendMarked(leader, 1, 40, 3);
            int length = 0;
            for (long index = 1; index <= 40; index++)
            {
                final LogEntryView entry = leader.entry(index);
                batch.putBytes(length, entry.buffer(), entry.offset(), entry.encodedLength());
                length += entry.encodedLength();
            }
            final int batchLength = length;
            assertThat(follower.appendEntries(batch, 0, batchLength)).isEqualTo(40);
            for (long index = 1; index <= 40; index++)
            {
                final LogEntryView entry = follower.entry(index);
                assertThat(entry.checksum()).isEqualTo(leader.entry(index).checksum());
                assertThat(payloadOf(follower.entry(index))).isEqualTo(payloadOf(leader.entry(index)));
            }
            assertThatThrownBy(() -> follower.appendEntries(batch, 0, batchLength))
                .isInstanceOf(LogException.class).hasMessageContaining("next index is 41");
            assertThat(follower.lastIndex()).isEqualTo(40);
        }
    }

    @Test
    void termAndVoteSurviveReopenAndATornSlot() throws IOException
    {
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.currentTerm()).isZero();
            assertThat(log.votedFor()).isEqualTo(RaftLog.NO_VOTE);
            log.setTerm(3);
            log.setVote(2);
            assertThatThrownBy(() -> log.setVote(1)).isInstanceOf(LogException.class)
                .hasMessageContaining("already voted for 2 in term 3");
            assertThatThrownBy(() -> log.setTerm(2)).isInstanceOf(LogException.class);
            log.storeTermAndVote(4, 1);
        }
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.currentTerm()).isEqualTo(4);
            assertThat(log.votedFor()).isEqualTo(1);
        }
        // The last store (sequence 3) went to slot 1; damage it as a torn write would: the previous survives.
        flipByte(dir.resolve("raft-meta.dat"), 32 + 9);
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.currentTerm()).isEqualTo(3);
            assertThat(log.votedFor()).isEqualTo(2);
        }
        flipByte(dir.resolve("raft-meta.dat"), 32 + 9);
        flipByte(dir.resolve("raft-meta.dat"), 9);
        flipByte(dir.resolve("raft-meta.dat"), 32 + 9);
        assertThatThrownBy(this::open).isInstanceOf(LogCorruptedException.class).hasMessageContaining("term and vote");
    }

    @Test
    void aDamagedTailRecordIsDiscardedAndTheLogCarriesOn() throws IOException
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 20, 1);
        }
        final ExpandableArrayBuffer record = new ExpandableArrayBuffer();
        final int length = new LogEntryWriter().write(record, 0, 1, 21, 0, EntryType.COMMAND, 1, 1, 1, payload, 0, 100);
        appendRawRecord(record, length / 2);

        try (ChronicleRaftLog log = open())
        {
            assertThat(log.discardedTailRecords()).isEqualTo(1);
            assertThat(log.lastIndex()).isEqualTo(20);
            appendMarked(log, 21, 25, 1);
        }
        try (ChronicleRaftLog log = open())
        {
            assertThat(log.discardedTailRecords()).as("the discard was recorded once").isZero();
            assertThat(log.lastIndex()).isEqualTo(25);
            assertThat(payloadOf(log.entry(21))).isEqualTo("ENTRY-00000021-MARK");
        }
    }

    @Test
    void aTailRecordWithABadChecksumIsDiscarded() throws IOException
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 5, 1);
        }
        final ExpandableArrayBuffer record = new ExpandableArrayBuffer();
        final int length = new LogEntryWriter().write(record, 0, 1, 6, 0, EntryType.COMMAND, 1, 1, 1, payload, 0, 64);
        record.putByte(length - 1, (byte)~record.getByte(length - 1));
        appendRawRecord(record, length);

        try (ChronicleRaftLog log = open())
        {
            assertThat(log.discardedTailRecords()).isEqualTo(1);
            assertThat(log.lastIndex()).isEqualTo(5);
        }
    }

    @Test
    void damageBeforeTheTailIsReportedNotSkipped() throws IOException
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 100, 1);
        }
        flipFirst("ENTRY-00000042-MARK");

        assertThatThrownBy(this::open).isInstanceOf(LogCorruptedException.class)
            .hasMessageContaining("CHECKSUM_MISMATCH").hasMessageContaining("not the tail");
    }

    @Test
    void aLostSegmentIsReportedNotSkipped() throws IOException
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 2_000, 1);
        }
        final List<Path> files = segmentFiles();
        assertThat(files.size()).isGreaterThan(2);
        Files.delete(files.get(0));

        assertThatThrownBy(this::open).isInstanceOf(LogCorruptedException.class)
            .hasMessageContaining("no compaction or reset marker");
    }

    @Test
    void theSyncPolicyDecidesWhenEntriesAreForced() throws IOException
    {
        for (final SyncPolicy policy : SyncPolicy.values())
        {
            final Path policyDir = dir.resolve(policy.name());
            try (ChronicleRaftLog log = ChronicleRaftLog.open(context(policy).directory(policyDir)))
            {
                appendMarked(log, 1, 10, 1);
                final long afterAppends = log.forcedSyncs();
                log.sync();
                final long afterSync = log.forcedSyncs();
                log.compactTo(5);
                final long afterCompact = log.forcedSyncs();

                switch (policy)
                {
                    case NONE:
                        assertThat(afterAppends).isZero();
                        assertThat(afterSync).isZero();
                        break;
                    case BATCH:
                        assertThat(afterAppends).isZero();
                        assertThat(afterSync).isEqualTo(1);
                        break;
                    default:
                        assertThat(afterAppends).isEqualTo(10);
                        assertThat(afterSync).isEqualTo(11);
                        break;
                }
                assertThat(afterCompact).as("a compaction that deletes no file is left to %s", policy)
                    .isEqualTo(afterSync + (policy == SyncPolicy.EVERY_APPEND ? 1 : 0));

                appendMarked(log, 11, 2_000, 1);
                final int segmentsBefore = segmentFiles(policyDir).size();
                final long beforeDeletingCompaction = log.forcedSyncs();
                log.compactTo(1_500);
                assertThat(segmentFiles(policyDir).size()).isLessThan(segmentsBefore);
                assertThat(log.forcedSyncs()).as("the marker is forced before a file goes, under %s", policy)
                    .isGreaterThan(beforeDeletingCompaction);
            }
        }
    }

    @Test
    void misuseIsRefusedAndChangesNothing()
    {
        try (ChronicleRaftLog log = open())
        {
            appendMarked(log, 1, 3, 2);
            assertThatThrownBy(() -> appendMarked(log, 5, 5, 2)).isInstanceOf(LogException.class)
                .hasMessage("append at index 5 but the next index is 4");
            assertThatThrownBy(() -> appendMarked(log, 4, 4, 1)).isInstanceOf(LogException.class)
                .hasMessage("append of term 1 at index 4 after term 2");
            assertThatThrownBy(() -> log.entry(0)).isInstanceOf(LogException.class).hasMessageContaining("compacted");
            assertThatThrownBy(() -> log.entry(4)).isInstanceOf(LogException.class).hasMessageContaining("past the end");
            assertThatThrownBy(() -> log.truncateFrom(5)).isInstanceOf(LogException.class);
            assertThatThrownBy(() -> log.append(4, 2, 0, EntryType.COMMAND, 0, 0, 0, new UnsafeBuffer(new byte[9000]),
                0, 9000)).isInstanceOf(LogException.class).hasMessageContaining("over the maximum");
            assertThatThrownBy(() -> log.appendEntries(payload, 0, 100)).isInstanceOf(LogException.class)
                .hasMessageContaining("malformed");
            assertThat(log.lastIndex()).isEqualTo(3);
            assertThat(payloadOf(log.entry(3))).isEqualTo("ENTRY-00000003-MARK");

            assertThatThrownBy(this::open).isInstanceOf(LogException.class).hasMessageContaining("already open");
        }
        final ChronicleRaftLog log = open();
        log.close();
        assertThatThrownBy(() -> log.entry(1)).isInstanceOf(LogException.class).hasMessageContaining("closed");
    }

    @Test
    void inconsistentSettingsAreRefused()
    {
        assertThatThrownBy(() -> new ChronicleRaftLog.Context().directory(dir).blockSize(64 * 1024)
            .maxEntryLength(32 * 1024).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quarter");
        assertThatThrownBy(() -> new ChronicleRaftLog.Context().directory(dir).maxEntryLength(10).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty entry");
    }

    private List<Path> segmentFiles() throws IOException
    {
        return segmentFiles(dir);
    }

    private static List<Path> segmentFiles(final Path logDirectory) throws IOException
    {
        try (Stream<Path> files = Files.list(logDirectory.resolve("queue")))
        {
            return files.filter(p -> p.toString().endsWith(".cq4")).sorted().collect(Collectors.toList());
        }
    }

    /**
     * What a writer killed inside Chronicle's roll leaves: the end-of-file marker written into the last cycle, the
     * next cycle's file never created. Made here by a real roll (an appender whose clock has moved on writes a
     * record: the marker goes into the last cycle, the record into a new one), then the new file removed.
     */
    private void closeLastSegmentWithoutSuccessor() throws IOException
    {
        final Path queueDirectory = dir.resolve("queue");
        final List<Path> before = cycleFiles(queueDirectory);
        final SetTimeProvider time = new SetTimeProvider(0);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(queueDirectory.toFile())
            .rollCycle(RollCycles.FAST_HOURLY).epoch(0).timeProvider(time).indexSpacing(1).blockSize(64 * 1024)
            .build())
        {
            final int lastCycle = queue.lastCycle();
            time.currentTimeMillis((lastCycle + 1L) * RollCycles.FAST_HOURLY.lengthInMillis());
            try (ExcerptAppender appender = queue.createAppender())
            {
                appender.writeBytes(Bytes.wrapForRead(new byte[8]));
            }
            assertThat(queue.lastCycle()).isEqualTo(lastCycle + 1);
        }
        final List<Path> created = cycleFiles(queueDirectory);
        created.removeAll(before);
        assertThat(created).as("the roll created one file").hasSize(1);
        Files.delete(created.get(0));
    }

    private static List<Path> cycleFiles(final Path queueDirectory) throws IOException
    {
        try (Stream<Path> files = Files.list(queueDirectory))
        {
            return files.filter(file -> file.toString().endsWith(SingleChronicleQueue.SUFFIX))
                .collect(Collectors.toList());
        }
    }

    private void appendRawRecord(final ExpandableArrayBuffer record, final int length)
    {
        final SetTimeProvider time = new SetTimeProvider(0);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir.resolve("queue").toFile())
            .rollCycle(RollCycles.FAST_HOURLY).epoch(0).timeProvider(time).indexSpacing(1).blockSize(64 * 1024)
            .build())
        {
            time.currentTimeMillis((long)queue.lastCycle() * RollCycles.FAST_HOURLY.lengthInMillis());
            try (ExcerptAppender appender = queue.createAppender())
            {
                final byte[] bytes = new byte[length];
                record.getBytes(0, bytes);
                appender.writeBytes(Bytes.wrapForRead(bytes));
            }
        }
    }

    private void flipFirst(final String text) throws IOException
    {
        final byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        for (final Path file : segmentFiles())
        {
            final byte[] content = Files.readAllBytes(file);
            for (int i = 0; i + needle.length <= content.length; i++)
            {
                int j = 0;
                while (j < needle.length && content[i + j] == needle[j])
                {
                    j++;
                }
                if (j == needle.length)
                {
                    flipByte(file, i + 3);
                    return;
                }
            }
        }
        throw new AssertionError(text + " not found in the segments");
    }

    private static void flipByte(final Path file, final long position) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            raf.seek(position);
            final int value = raf.read();
            raf.seek(position);
            raf.write(value ^ 0x40);
        }
    }
}
