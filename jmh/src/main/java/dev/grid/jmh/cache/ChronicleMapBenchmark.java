package dev.grid.jmh.cache;

import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import net.openhft.chronicle.values.Values;
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
 * array, and put replace. It has no eviction policy, so there is no put-with-eviction to compare. Keys are a value
 * interface of two longs by default ({@link KeyType}).
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

    /**
     * How the 16-byte keys reach Chronicle Map.
     */
    public enum KeyType
    {
        /**
         * A value interface of two longs ({@link Key16}, one reused heap instance): read in place, allocation-free;
         * Chronicle Map's own way for fixed-size keys, and the faster.
         */
        VALUE_INTERFACE,
        /**
         * A reused {@code byte[]}, which Chronicle Map wraps in a new heap bytes store on every call (192 B).
         */
        BYTE_ARRAY
    }

    /**
     * Chronicle Map's value interface for the workload's keys.
     */
    public interface Key16
    {
        long getLow();

        void setLow(long low);

        long getHigh();

        void setHigh(long high);
    }

    @Param("VALUE_INTERFACE")
    public KeyType keyType;

    private Workload workload;
    private final byte[] key = new byte[Workload.KEY_LENGTH];
    private final ByteBuffer keyView = ByteBuffer.wrap(key);
    private final byte[] value = new byte[Workload.VALUE_LENGTH];
    private final byte[] readInto = new byte[Workload.VALUE_LENGTH];
    private Key16 valueKey;
    private Object mapKey;
    private ChronicleMap<Object, byte[]> map;

    @Setup(Level.Trial)
    public void setUp()
    {
        workload = new Workload(entries);
        valueKey = Values.newHeapInstance(Key16.class);
        mapKey = KeyType.VALUE_INTERFACE == keyType ? valueKey : key;
        map = createMap(KeyType.VALUE_INTERFACE == keyType ? Key16.class : byte[].class);
        for (int i = 0; i < entries; i++)
        {
            key(i);
            map.put(mapKey, value);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        map.close();
    }

    @SuppressWarnings("unchecked")
    private ChronicleMap<Object, byte[]> createMap(final Class<?> keyClass)
    {
        final ChronicleMapBuilder<?, byte[]> builder = ChronicleMap.of(keyClass, byte[].class)
            .name("bench")
            .entries(entries)
            .constantValueSizeBySample(new byte[Workload.VALUE_LENGTH]);
        if (byte[].class == keyClass)
        {
            ((ChronicleMapBuilder<byte[], byte[]>)builder).constantKeySizeBySample(new byte[Workload.KEY_LENGTH]);
        }
        return (ChronicleMap<Object, byte[]>)builder.create();
    }

    private void key(final long id)
    {
        if (KeyType.VALUE_INTERFACE == keyType)
        {
            valueKey.setLow(id);
            valueKey.setHigh(Workload.keyHigh(id));
        }
        else
        {
            keyView.putLong(0, id).putLong(8, Workload.keyHigh(id));
        }
    }

    @Benchmark
    public byte[] getUsingHit()
    {
        key(workload.nextPresent());
        return map.getUsing(mapKey, readInto);
    }

    @Benchmark
    public byte[] getUsingMiss()
    {
        key(workload.nextAbsent());
        return map.getUsing(mapKey, readInto);
    }

    @Benchmark
    public byte[] putReplace()
    {
        key(workload.nextPresent());
        return map.put(mapKey, value);
    }
}
