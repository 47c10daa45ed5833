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
 * Values are self-describing: byte 0 is {@code key * 16 + value}, byte 1 a rewrite number, and every other byte a
 * function of those two and its position, so a torn read shows as -99, which no sequential run returns. To widen
 * the races a stress run can hit, each put writes its value {@value #REPEATS} times with rising rewrite numbers (the
 * bytes really change under the readers, while every intermediate state means the same value, so the operation's
 * meaning is unchanged), and each get reads {@value #REPEATS} times, answering -99 if any read was torn, else the
 * last read's value. Checked: with a reader that skips the seqlock version checks this test fails (a torn read,
 * -99), as does {@link CacheReaderStressTest}. The model-checking strategy does not apply: it switches threads
 * only at the JVM's shared-memory accesses it instruments, and the cache's memory is off-heap.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:4")
public class CacheReaderLincheckTest
{
    private static final int VALUE_LENGTH = 40;
    private static final int REPEATS = 100;

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
        final UnsafeBuffer keyBytes = keyBytes(key);
        for (int rewrite = 0; rewrite < REPEATS; rewrite++)
        {
            bytes.putByte(0, (byte)(key * 16 + value));
            bytes.putByte(1, (byte)rewrite);
            for (int i = 2; i < VALUE_LENGTH; i++)
            {
                bytes.putByte(i, pattern(bytes.getByte(0), bytes.getByte(1), i));
            }
            apply(commands.wrap(command, 0).put(CachePutMode.PUT, keyBytes, 0, 8, bytes, 0, VALUE_LENGTH, 0, 0));
        }
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
        final UnsafeBuffer keyBytes = keyBytes(key);
        final CacheReader reader = readers.get();
        int result = 0;
        for (int r = 0; r < REPEATS; r++)
        {
            final int length = reader.get(keyBytes, 0, 8, into, 0);
            if (length < 0)
            {
                result = length;
                continue;
            }
            if (length != VALUE_LENGTH)
            {
                return -98;
            }
            for (int i = 2; i < length; i++)
            {
                if (into.getByte(i) != pattern(into.getByte(0), into.getByte(1), i))
                {
                    return -99;
                }
            }
            result = into.getByte(0);
        }
        return result;
    }

    private static byte pattern(final byte value, final byte rewrite, final int position)
    {
        return (byte)(value * 31 + rewrite * 7 + position);
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
