package dev.grid.cache.trace;

import dev.grid.cache.CacheCommands;
import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import dev.grid.cache.CacheStateMachine;
import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CacheResponseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.tukaani.xz.XZInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * Replays an access trace through the real off-heap cache state machine, as the log would: each access is a
 * {@code CacheGet} entry, and a miss is followed by a {@code CachePut} of the key (8-byte key, 8-byte value). Log
 * time advances one millisecond per access, so LFU counts decay once per {@code lfuDecayNanos / 1 ms} accesses.
 * <p>
 * {@code grid trace --format lirs|cache2k|corda --policy lru|lfu --capacity N [--admission] FILE} runs
 * {@link #main}; it prints {@code hit_ratio=0.xxxx}. {@code --admission} adds W-TinyLFU admission. FILE may be
 * plain, .gz, .xz, or "-" for standard input.
 */
public final class TraceReplay
{
    /** Log time per access. */
    public static final long NANOS_PER_ACCESS = TimeUnit.MILLISECONDS.toNanos(1);

    private final CacheStateMachine cache;
    private final CacheCommands commands = new CacheCommands();
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer key = new UnsafeBuffer(new byte[Long.BYTES]);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CacheResponseDecoder responseDecoder = new CacheResponseDecoder();
    private long index;
    private long hits;
    private long accesses;

    /**
     * @param policy   LRU or LFU.
     * @param capacity entries; the memory budget is set so that the entry count is the binding budget.
     */
    public TraceReplay(final CachePolicy policy, final int capacity)
    {
        this(new CacheContext().policy(policy).maxEntries(capacity));
    }

    /**
     * @param context policy, capacity (maxEntries) and LFU settings; name, sizes and budgets are set here.
     */
    public TraceReplay(final CacheContext context)
    {
        cache = new CacheStateMachine(context
            .name("trace").serviceId(0).blockSize(16).memoryBudgetBytes(16L * context.maxEntries())
            .maxKeyLength(Long.BYTES).maxValueLength(Long.BYTES).sweepBudget(0), Fences.NONE);
    }

    /**
     * One access: a get, and a put on a miss.
     *
     * @return true on a hit.
     */
    public boolean access(final long traceKey)
    {
        key.putLong(0, traceKey);
        accesses++;
        final boolean hit = Status.OK == apply(commands.wrap(command, 0).get(key, 0, Long.BYTES));
        if (hit)
        {
            hits++;
        }
        else
        {
            apply(commands.wrap(command, 0).put(CachePutMode.PUT, key, 0, Long.BYTES, key, 0, Long.BYTES, 0, 0));
        }
        return hit;
    }

    private Status apply(final int length)
    {
        index++;
        final long timestamp = accesses * NANOS_PER_ACCESS;
        cache.onLogTime(index, timestamp);
        cache.apply(index, timestamp, 0, index, command, 0, length, response, 0);
        return responseDecoder.wrapAndApplyHeader(response, 0, headerDecoder.wrap(response, 0)).status();
    }

    public double hitRatio()
    {
        return 0 == accesses ? 0 : (double)hits / accesses;
    }

    public long accesses()
    {
        return accesses;
    }

    public CacheStateMachine cache()
    {
        return cache;
    }

    /**
     * Replays a whole trace.
     *
     * @return the hit ratio.
     */
    public static double replay(final long[] trace, final CachePolicy policy, final int capacity)
    {
        return replay(trace, new CacheContext().policy(policy).maxEntries(capacity));
    }

    /**
     * Replays a whole trace through a cache configured by {@code context} (see {@link #TraceReplay(CacheContext)}).
     *
     * @return the hit ratio.
     */
    public static double replay(final long[] trace, final CacheContext context)
    {
        final TraceReplay replay = new TraceReplay(context);
        try
        {
            for (final long traceKey : trace)
            {
                replay.access(traceKey);
            }
            return replay.hitRatio();
        }
        finally
        {
            replay.cache.close();
        }
    }

    /**
     * Opens a trace file: "-" is standard input, ".gz" and ".xz" are decompressed; anything else is read as is.
     */
    public static InputStream open(final String file) throws IOException
    {
        final InputStream raw = "-".equals(file) ? System.in : Files.newInputStream(Path.of(file));
        final InputStream buffered = new BufferedInputStream(raw, 1 << 16);
        if (file.endsWith(".xz"))
        {
            return new BufferedInputStream(new XZInputStream(buffered), 1 << 16);
        }
        return file.endsWith(".gz") ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16) :
            buffered;
    }

    public static void main(final String[] args) throws IOException
    {
        TraceFormat format = null;
        CachePolicy policy = CachePolicy.LRU;
        Integer capacity = null;
        boolean admission = false;
        boolean lfuSweep = false;
        String file = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--format" -> format = TraceFormat.parse(args[++i]);
                case "--policy" -> policy = CachePolicy.valueOf(args[++i].toUpperCase(Locale.ROOT));
                case "--capacity" -> capacity = Integer.parseInt(args[++i]);
                case "--admission" -> admission = true;
                case "--lfu-sweep" -> lfuSweep = true;
                default ->
                {
                    if (null != file)
                    {
                        throw usage("unexpected argument: " + args[i]);
                    }
                    file = args[i];
                }
            }
        }
        if (null == format || null == capacity || null == file)
        {
            throw usage("missing " + (null == format ? "--format" : null == capacity ? "--capacity" : "FILE"));
        }
        if (capacity < 1)
        {
            throw usage("--capacity must be at least 1 entry");
        }
        final long[] trace;
        try (InputStream in = open(file))
        {
            trace = format.readAll(in);
        }
        final double ratio = replay(trace,
            new CacheContext().policy(policy).maxEntries(capacity).admission(admission).lfuSweep(lfuSweep));
        System.out.printf(Locale.ROOT, "hit_ratio=%.4f%n", ratio);
    }

    private static IllegalArgumentException usage(final String problem)
    {
        return new IllegalArgumentException(problem +
            "\nusage: grid trace --format lirs|cache2k|corda --policy lru|lfu --capacity N [--admission] " +
            "[--lfu-sweep] FILE");
    }
}
