package dev.grid.jmh.cache;

import net.openhft.chronicle.map.ChronicleMap;
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
 * Chronicle Map (off-heap, in memory, no eviction) on the same workload: {@code getUsing} into a reused value
 * array, and put replace. It has no eviction policy, so there is no put-with-eviction to compare.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChronicleMapBenchmark
{
    @Param(Workload.DEFAULT_ENTRIES)
    public int entries;

    private Workload workload;
    private final byte[] key = new byte[Workload.KEY_LENGTH];
    private final ByteBuffer keyView = ByteBuffer.wrap(key);
    private final byte[] value = new byte[Workload.VALUE_LENGTH];
    private final byte[] readInto = new byte[Workload.VALUE_LENGTH];
    private ChronicleMap<byte[], byte[]> map;

    @Setup(Level.Trial)
    public void setUp()
    {
        workload = new Workload(entries);
        map = ChronicleMap.of(byte[].class, byte[].class)
            .name("bench")
            .entries(entries)
            .constantKeySizeBySample(new byte[Workload.KEY_LENGTH])
            .constantValueSizeBySample(new byte[Workload.VALUE_LENGTH])
            .create();
        for (int i = 0; i < entries; i++)
        {
            key(i);
            map.put(key, value);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        map.close();
    }

    private void key(final long id)
    {
        keyView.putLong(0, id).putLong(8, Workload.keyHigh(id));
    }

    @Benchmark
    public byte[] getUsingHit()
    {
        key(workload.nextPresent());
        return map.getUsing(key, readInto);
    }

    @Benchmark
    public byte[] getUsingMiss()
    {
        key(workload.nextAbsent());
        return map.getUsing(key, readInto);
    }

    @Benchmark
    public byte[] putReplace()
    {
        key(workload.nextPresent());
        return map.put(key, value);
    }
}
