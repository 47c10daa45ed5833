package dev.grid.jmh.log;

import dev.grid.core.LogEntryWriter;
import dev.grid.log.ChronicleRaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.sbe.EntryType;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * Appending one entry to the Raft log against appending the same encoded bytes to a raw Chronicle Queue with the
 * same layout (hourly cycles, every record indexed, 16 MiB blocks). The log adds encoding, the CRC-32C and its
 * index maps; no fsync on either side (the default sync policy). Each iteration starts from an empty directory so
 * the files never outgrow the disk.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LogAppendBenchmark
{
    @Param({ "64", "256" })
    int payloadLength;

    private File directory;
    private ChronicleRaftLog log;
    private SingleChronicleQueue rawQueue;
    private ExcerptAppender rawAppender;
    private BytesStore<?, ?> rawRecord;
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[1024]);
    private long nextIndex;

    @Setup(Level.Iteration)
    public void setUp() throws Exception
    {
        directory = Files.createTempDirectory("grid-jmh-append").toFile();
        log = ChronicleRaftLog.open(new ChronicleRaftLog.Context()
            .directory(directory.toPath().resolve("log"))
            .syncPolicy(SyncPolicy.NONE)
            .segmentLength(1L << 30));
        nextIndex = 1;

        rawQueue = SingleChronicleQueueBuilder.binary(new File(directory, "raw"))
            .rollCycle(RollCycles.FAST_HOURLY)
            .epoch(0)
            .timeProvider(new SetTimeProvider(0))
            .blockSize(ChronicleRaftLog.Context.BLOCK_SIZE_DEFAULT)
            .indexSpacing(1)
            .build();
        rawAppender = rawQueue.createAppender();
        final UnsafeBuffer encoded = new UnsafeBuffer(new byte[LogEntryWriter.encodedLength(payloadLength)]);
        final int length = new LogEntryWriter().write(encoded, 0, 1, 1, 1, EntryType.COMMAND, 1, 1, 1, payload, 0,
            payloadLength);
        rawRecord = BytesStore.nativeStoreWithFixedCapacity(length);
        for (int i = 0; i < length; i++)
        {
            rawRecord.writeByte(i, encoded.getByte(i));
        }
    }

    @TearDown(Level.Iteration)
    public void tearDown()
    {
        log.close();
        rawAppender.close();
        rawQueue.close();
        rawRecord.releaseLast();
        IoUtil.delete(directory, true);
    }

    @Benchmark
    public long raftLogAppend()
    {
        final long index = nextIndex++;
        log.append(index, 1, index, EntryType.COMMAND, 1, 7, index, payload, 0, payloadLength);
        return index;
    }

    @Benchmark
    public long rawChronicleAppend()
    {
        rawAppender.writeBytes(rawRecord);
        return rawAppender.lastIndexAppended();
    }
}
