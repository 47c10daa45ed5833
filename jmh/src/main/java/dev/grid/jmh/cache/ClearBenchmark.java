package dev.grid.jmh.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.grid.cache.CacheCommands;
import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import dev.grid.cache.CacheStateMachine;
import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
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

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Clearing a full cache of the workload (1M entries, 16-byte keys, 64-byte values): one {@code CacheClear}
 * command applied by the writer, against Caffeine's {@code invalidateAll}. The writer applies nothing else while it
 * clears, and local readers wait for it, so this is a stall of the whole node's log. Every measured clear starts
 * from a cache filled again since the last one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
public class ClearBenchmark
{
    /** Ours with either policy, or the peer. */
    @Param({"LRU", "LFU", "CAFFEINE"})
    public String target;

    @Param(Workload.DEFAULT_ENTRIES)
    public int entries;

    private final CacheCommands commands = new CacheCommands();
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[4096]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[Workload.KEY_LENGTH]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[Workload.VALUE_LENGTH]);
    private CacheStateMachine cache;
    private Cache<ByteBuffer, byte[]> caffeine;
    private long index;

    @Setup(Level.Trial)
    public void setUp()
    {
        if ("CAFFEINE".equals(target))
        {
            caffeine = Caffeine.newBuilder().maximumSize(entries).executor(Runnable::run).build();
        }
        else
        {
            cache = new CacheStateMachine(new CacheContext()
                .name("bench").serviceId(1).policy(CachePolicy.valueOf(target)).maxEntries(entries)
                .blockSize(96).memoryBudgetBytes(96L * entries)
                .maxKeyLength(Workload.KEY_LENGTH).maxValueLength(Workload.VALUE_LENGTH), Fences.NONE);
        }
    }

    @Setup(Level.Iteration)
    public void fill()
    {
        for (int i = 0; i < entries; i++)
        {
            if (null != caffeine)
            {
                caffeine.put(ByteBuffer.allocate(Workload.KEY_LENGTH).putLong(0, i).putLong(8, Workload.keyHigh(i)),
                    new byte[Workload.VALUE_LENGTH]);
            }
            else
            {
                key.putLong(0, i);
                key.putLong(8, Workload.keyHigh(i));
                value.putLong(0, i);
                apply(commands.wrap(command, 0)
                    .put(CachePutMode.PUT, key, 0, Workload.KEY_LENGTH, value, 0, Workload.VALUE_LENGTH, 0, 0));
            }
        }
        if (null != caffeine)
        {
            caffeine.cleanUp();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (null != cache)
        {
            cache.close();
        }
    }

    private int apply(final int length)
    {
        index++;
        cache.onLogTime(index, index);
        return cache.apply(index, index, 1, index, command, 0, length, response, 0);
    }

    @Benchmark
    public long clear()
    {
        if (null != caffeine)
        {
            caffeine.invalidateAll();
            caffeine.cleanUp();
            return caffeine.estimatedSize();
        }
        return apply(commands.wrap(command, 0).clear());
    }
}
