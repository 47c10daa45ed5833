package dev.grid.jmh.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Caffeine (W-TinyLFU, bounded by entry count, maintenance on the caller's thread) on the same workload: keys are
 * 16-byte ByteBuffers, values 64-byte arrays. A put allocates its key and value, as a heap cache must.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CaffeineBenchmark
{
    @Param(Workload.DEFAULT_ENTRIES)
    public int entries;

    /** As {@link GridCacheBenchmark#readAllAfterFill}: every key read once, in the same random order. */
    @Param("false")
    public boolean readAllAfterFill;

    private Workload workload;
    private final ByteBuffer probe = ByteBuffer.allocate(Workload.KEY_LENGTH);
    private Cache<ByteBuffer, byte[]> cache;
    private long nextNewId;

    @Setup(Level.Trial)
    public void setUp()
    {
        workload = new Workload(entries);
        cache = Caffeine.newBuilder().maximumSize(entries).executor(Runnable::run).build();
        for (int i = 0; i < entries; i++)
        {
            cache.put(key(i), new byte[Workload.VALUE_LENGTH]);
        }
        if (readAllAfterFill)
        {
            for (final int id : workload.shuffledPresentIds())
            {
                get(id);
            }
        }
        cache.cleanUp();
        nextNewId = 2L * entries;
    }

    private static ByteBuffer key(final long id)
    {
        return ByteBuffer.allocate(Workload.KEY_LENGTH).putLong(0, id).putLong(8, Workload.keyHigh(id));
    }

    private byte[] get(final long id)
    {
        probe.putLong(0, id).putLong(8, Workload.keyHigh(id));
        return cache.getIfPresent(probe);
    }

    @Benchmark
    public byte[] getHit()
    {
        return get(workload.nextPresent());
    }

    @Benchmark
    public byte[] getMiss()
    {
        return get(workload.nextAbsent());
    }

    @Benchmark
    public void putReplace()
    {
        cache.put(key(workload.nextPresent()), new byte[Workload.VALUE_LENGTH]);
    }

    @Benchmark
    public void putEvict()
    {
        cache.put(key(nextNewId++), new byte[Workload.VALUE_LENGTH]);
    }
}
