package dev.grid.jmh.cache;

import dev.grid.core.OffHeapMemory;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The host's memory latency: one dependent load per operation, chasing a random cycle through one int per cache
 * line of {@code mebibytes} of off-heap memory allocated as the cache allocates its own ({@link OffHeapMemory},
 * huge pages or not), so no load can start before the previous one ends. Small regions measure the CPU caches,
 * large ones a cache miss to memory, TLB included ({@link #dependentLoad}). The cache benchmarks' times are read
 * against it: an operation that must wait for two random loads from memory, one after the other, takes at least
 * twice the large region's time unless consecutive operations overlap: operations as small as
 * {@link #independentLoad} and {@link #twoDependentLoads} do, a cache get barely does (docs/benchmarks.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MemoryLatencyBenchmark
{
    private static final int LINE = 64;

    @Param({"1", "4", "16", "256"})
    public int mebibytes;

    @Param({"true", "false"})
    public boolean hugePages;

    private OffHeapMemory memory;
    private UnsafeBuffer next;
    private int position;
    /** Precomputed random line offsets: the independent operations' addresses. */
    private final int[] randomLines = new int[1 << 20];
    private int cursor;

    @Setup(Level.Trial)
    public void setUp()
    {
        final int lines = mebibytes * 1024 * 1024 / LINE;
        final SplittableRandom random = new SplittableRandom(42);
        final int[] order = Workload.permutation(lines, random);
        memory = OffHeapMemory.allocate(lines * LINE, hugePages);
        next = memory.buffer();
        for (int i = 0; i < lines; i++)
        {
            next.putInt(order[i] * LINE, order[(i + 1) % lines] * LINE);
        }
        for (int i = 0; i < randomLines.length; i++)
        {
            randomLines[i] = random.nextInt(lines) * LINE;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        memory.close();
    }

    @Benchmark
    public int dependentLoad()
    {
        return position = next.getInt(position);
    }

    /**
     * One random load per operation whose address does not depend on the previous operation's, so the CPU can
     * overlap consecutive operations' misses: the time per operation is the memory's throughput for random loads,
     * not its latency. An operation much larger than this one (a cache get) overlaps far less, since the CPU can
     * only look a bounded number of instructions past a load it waits for.
     */
    @Benchmark
    public int independentLoad()
    {
        return next.getInt(randomLines[cursor++ & (randomLines.length - 1)]);
    }

    /**
     * Two dependent random loads per operation (an index, then the record it names), independent across operations.
     */
    @Benchmark
    public int twoDependentLoads()
    {
        return next.getInt(next.getInt(randomLines[cursor++ & (randomLines.length - 1)]));
    }
}
