package dev.grid.jmh.cache;

import dev.grid.cache.AccessHintBatch;
import dev.grid.cache.CacheCommands;
import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import dev.grid.cache.CacheReader;
import dev.grid.cache.CacheStateMachine;
import dev.grid.cache.KeyHash;
import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Our off-heap cache on the workload. Gets are local reads ({@link CacheReader}, seqlock) plus recording
 * the access hint the leader would replicate (as Caffeine records reads in its read buffer); puts are SBE commands
 * applied by the state machine, as the node's writer thread applies log entries (bounds check, decode, apply,
 * encode the response). "putEvict" puts a new key into the full cache: one eviction each. "applyAccessHint" is
 * the writer's share of a local read that counts: applying one hint of a 256-hint {@code CacheAccessHints}
 * command (lookup by hash, LRU move or LFU increment), the work Caffeine does when it drains its read buffer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GridCacheBenchmark
{
    @Param({"LRU", "LFU"})
    public CachePolicy policy;

    @Param(Workload.DEFAULT_ENTRIES)
    public int entries;

    /**
     * After the fill, read every key once in a random order, counted as the leader counts reads (access hints).
     * The fill alone leaves the eviction order in insertion order, so that LRU's victims are neighbours in memory
     * (and stay so: each new key reuses its victim's slot); after the reads they are spread over memory, as after
     * any period of random reads.
     */
    @Param("false")
    public boolean readAllAfterFill;

    /**
     * LFU only ({@code CacheContext#lfuSweep}): eviction candidates taken in turn by a sweeping hand instead of
     * uniformly at random.
     */
    @Param("false")
    public boolean lfuSweep;

    private Workload workload;
    private final CacheCommands commands = new CacheCommands();
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[4096]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[Workload.KEY_LENGTH]);
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[Workload.VALUE_LENGTH]);
    private final UnsafeBuffer readInto = new UnsafeBuffer(new byte[Workload.VALUE_LENGTH]);
    private static final int HINTS_PER_COMMAND = 256;
    private static final int BATCH = CacheReader.OVERLAPPED_KEYS;
    private final UnsafeBuffer batchKeys = new UnsafeBuffer(new byte[BATCH * Workload.KEY_LENGTH]);
    private final int[] batchKeyOffsets = new int[BATCH];
    private final int[] batchKeyLengths = new int[BATCH];
    private final UnsafeBuffer batchValues = new UnsafeBuffer(new byte[BATCH * Workload.VALUE_LENGTH]);
    private final int[] batchResults = new int[BATCH];
    private final long[] batchHashes = new long[BATCH];

    private final AccessHintBatch hints = new AccessHintBatch(HINTS_PER_COMMAND);
    private final AccessHintBatch hintCommand = new AccessHintBatch(HINTS_PER_COMMAND);
    private CacheStateMachine cache;
    private CacheReader reader;
    private long index;
    private long nextNewId;

    @Setup(Level.Trial)
    public void setUp()
    {
        workload = new Workload(entries);
        cache = new CacheStateMachine(new CacheContext()
            .name("bench").serviceId(1).policy(policy).maxEntries(entries)
            .blockSize(96).memoryBudgetBytes(96L * entries)
            .maxKeyLength(Workload.KEY_LENGTH).maxValueLength(Workload.VALUE_LENGTH).lfuSweep(lfuSweep), Fences.NONE);
        reader = cache.newReader();
        for (int i = 0; i < BATCH; i++)
        {
            batchKeyOffsets[i] = i * Workload.KEY_LENGTH;
            batchKeyLengths[i] = Workload.KEY_LENGTH;
        }
        for (int i = 0; i < entries; i++)
        {
            put(i);
        }
        if (readAllAfterFill)
        {
            for (final int id : workload.shuffledPresentIds())
            {
                if (hintCommand.isFull())
                {
                    applyHintsOrThrow();
                }
                key(id);
                hintCommand.add(KeyHash.hash(key, 0, Workload.KEY_LENGTH));
            }
            applyHintsOrThrow();
        }
        nextNewId = 2L * entries;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        cache.close();
    }

    private void key(final long id)
    {
        key.putLong(0, id);
        key.putLong(8, Workload.keyHigh(id));
    }

    private int put(final long id)
    {
        key(id);
        value.putLong(0, id);
        final int length = commands.wrap(command, 0)
            .put(CachePutMode.PUT, key, 0, Workload.KEY_LENGTH, value, 0, Workload.VALUE_LENGTH, 0, 0);
        index++;
        cache.onLogTime(index, index);
        return cache.apply(index, index, 1, index, command, 0, length, response, 0);
    }

    private int get(final long id)
    {
        key(id);
        final int length = reader.get(key, 0, Workload.KEY_LENGTH, readInto, 0);
        if (length >= 0 && !hints.add(reader.lastKeyHash()))
        {
            hints.reset();
        }
        return length;
    }

    @Benchmark
    public int getHit()
    {
        return get(workload.nextPresent());
    }

    /**
     * {@value #BATCH} hits read by one {@link CacheReader#getAll}, each recorded as an access hint; per key.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int getAllHit()
    {
        for (int i = 0; i < BATCH; i++)
        {
            final long id = workload.nextPresent();
            batchKeys.putLong(i * Workload.KEY_LENGTH, id);
            batchKeys.putLong(i * Workload.KEY_LENGTH + 8, Workload.keyHigh(id));
        }
        final int found = reader.getAll(batchKeys, batchKeyOffsets, batchKeyLengths, BATCH, batchValues, 0,
            Workload.VALUE_LENGTH, batchResults, batchHashes);
        for (int i = 0; i < BATCH; i++)
        {
            if (batchResults[i] >= 0 && !hints.add(batchHashes[i]))
            {
                hints.reset();
            }
        }
        return found;
    }

    @Benchmark
    public int getMiss()
    {
        return get(workload.nextAbsent());
    }

    @Benchmark
    public int putReplace()
    {
        return put(workload.nextPresent());
    }

    @Benchmark
    @OperationsPerInvocation(HINTS_PER_COMMAND)
    public int applyAccessHint()
    {
        for (int i = 0; i < HINTS_PER_COMMAND; i++)
        {
            key(workload.nextPresent());
            hintCommand.add(KeyHash.hash(key, 0, Workload.KEY_LENGTH));
        }
        return applyHints();
    }

    /** A {@code CacheAccessHints} command answers nothing (0 bytes) unless it is refused. */
    private void applyHintsOrThrow()
    {
        if (0 != applyHints())
        {
            throw new IllegalStateException("the cache refused an access hints command");
        }
    }

    private int applyHints()
    {
        final int length = hintCommand.encode(command, 0);
        hintCommand.reset();
        index++;
        cache.onLogTime(index, index);
        return cache.apply(index, index, 1, index, command, 0, length, response, 0);
    }

    @Benchmark
    public int putEvict()
    {
        return put(nextNewId++);
    }
}
