package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
import org.agrona.concurrent.UnsafeBuffer;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck (stress strategy) checks that local reads are linearizable against the single writer's puts, removes
 * and evictions: every result of a concurrent run must be explained by some sequential order of the same
 * operations. The writer operations share a non-parallel group, so one thread at a time writes, as in the grid.
 * Values are self-describing (every byte is {@code key * 16 + value}), so a torn read shows as -99, which no
 * sequential run returns. The model-checking strategy does not apply: it switches threads only at the JVM's
 * shared-memory accesses it instruments, and the cache's memory is off-heap.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:4")
public class CacheReaderLincheckTest
{
    private static final int VALUE_LENGTH = 40;

    private final CacheStateMachine cache = new CacheStateMachine(new CacheContext()
        .name("lincheck").serviceId(1).policy(CachePolicy.LRU).maxEntries(3).blockSize(32)
        .memoryBudgetBytes(32 * 8).maxKeyLength(8).maxValueLength(VALUE_LENGTH), Fences.NONE);
    private final ThreadLocal<CacheReader> readers = ThreadLocal.withInitial(cache::newReader);
    private final CacheCommands commands = new CacheCommands();
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[256]);
    private long index;

    @Operation(nonParallelGroup = "writer")
    public void put(@Param(name = "key") final int key, @Param(gen = IntGen.class, conf = "1:3") final int value)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[VALUE_LENGTH]);
        bytes.setMemory(0, VALUE_LENGTH, (byte)(key * 16 + value));
        apply(commands.wrap(command, 0).put(CachePutMode.PUT, keyBytes(key), 0, 8, bytes, 0, VALUE_LENGTH, 0, 0));
    }

    @Operation(nonParallelGroup = "writer")
    public void remove(@Param(name = "key") final int key)
    {
        apply(commands.wrap(command, 0).remove(keyBytes(key), 0, 8, 0));
    }

    @Operation
    public int get(@Param(name = "key") final int key)
    {
        final UnsafeBuffer into = new UnsafeBuffer(new byte[VALUE_LENGTH]);
        final int length = readers.get().get(keyBytes(key), 0, 8, into, 0);
        if (length < 0)
        {
            return length;
        }
        final byte first = into.getByte(0);
        for (int i = 1; i < length; i++)
        {
            if (into.getByte(i) != first)
            {
                return -99;
            }
        }
        return length == VALUE_LENGTH ? first : -98;
    }

    private void apply(final int length)
    {
        index++;
        cache.onLogTime(index, index);
        cache.apply(index, index, 1, index, command, 0, length, response, 0);
    }

    private static UnsafeBuffer keyBytes(final int key)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[8]);
        bytes.putLong(0, key);
        return bytes;
    }

    @Test
    void localReadsAreLinearizable()
    {
        new StressOptions()
            .iterations(Integer.getInteger("grid.cache.lincheck.iterations", 8))
            .invocationsPerIteration(1_000)
            .threads(3)
            .actorsPerThread(4)
            .check(CacheReaderLincheckTest.class);
    }
}
