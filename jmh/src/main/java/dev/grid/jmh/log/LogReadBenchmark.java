package dev.grid.jmh.log;

import dev.grid.core.LogEntryView;
import dev.grid.log.ChronicleRaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.sbe.EntryType;
import dev.grid.sbe.LogEntryEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reading an entry by Raft index from a log of a million entries (about three 64 MiB segments): in order (as
 * replication and apply read), at random (followers at different positions, a lagging follower's catch-up), and
 * the term of a random index; zero-copy, reading the fields a consumer needs. The peer is Chronicle's tailer
 * streaming the same records.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LogReadBenchmark
{
    private static final int ENTRIES = 1 << 20;

    @Param({ "64", "256" })
    int payloadLength;


    private static final int TERM_OFFSET = MessageHeaderEncoder.ENCODED_LENGTH + LogEntryEncoder.termEncodingOffset();

    private File directory;
    private ChronicleRaftLog log;
    private SingleChronicleQueue rawQueue;
    private ExcerptTailer rawTailer;
    private long[] randomIndexes;
    private int next;
    private long sequentialIndex;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        directory = Files.createTempDirectory("grid-jmh-read").toFile();
        log = ChronicleRaftLog.open(new ChronicleRaftLog.Context()
            .directory(directory.toPath())
            .syncPolicy(SyncPolicy.NONE));
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[payloadLength]);
        for (long index = 1; index <= ENTRIES; index++)
        {
            payload.putLong(0, index);
            log.append(index, 1 + index / 100_000, index, EntryType.COMMAND, 1, 7, index, payload, 0, payloadLength);
        }
        final SplittableRandom random = new SplittableRandom(7);
        randomIndexes = new long[1 << 16];
        for (int i = 0; i < randomIndexes.length; i++)
        {
            randomIndexes[i] = 1 + random.nextInt(ENTRIES);
        }
        sequentialIndex = 1;
        rawQueue = SingleChronicleQueueBuilder.binary(new File(directory, "queue"))
            .rollCycle(RollCycles.FAST_HOURLY).epoch(0).readOnly(true).build();
        rawTailer = rawQueue.createTailer();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        rawTailer.close();
        rawQueue.close();
        log.close();
        IoUtil.delete(directory, true);
    }

    @Benchmark
    public long readSequential()
    {
        final long index = sequentialIndex;
        sequentialIndex = index == ENTRIES ? 1 : index + 1;
        return consume(log.entry(index));
    }

    @Benchmark
    public long readRandom()
    {
        final long index = randomIndexes[next++ & (randomIndexes.length - 1)];
        return consume(log.entry(index));
    }

    /**
     * The peer: Chronicle's own tailer streaming the same records, reading a field of each.
     */
    @Benchmark
    public long rawChronicleSequential()
    {
        try (DocumentContext dc = rawTailer.readingDocument())
        {
            if (!dc.isPresent())
            {
                rawTailer.toStart();
                return 0;
            }
            final Bytes<?> bytes = dc.wire().bytes();
            return bytes.readLong(bytes.readPosition() + TERM_OFFSET);
        }
    }

    @Benchmark
    public long termAtRandom()
    {
        return log.termAt(randomIndexes[next++ & (randomIndexes.length - 1)]);
    }

    private static long consume(final LogEntryView entry)
    {
        return entry.term() + entry.timestamp() + entry.payload().getLong(0) + entry.payloadLength();
    }
}
