package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readers on application threads, one by single gets and one by batches, while the writer puts (values of changing
 * lengths, so block chains grow, shrink and are recycled between keys), evicts, removes, expires and clears: every
 * value a reader returns must be exactly one that was written for that key (each value is self-describing: every
 * 8-byte word holds the key id and the write number, and the length is a function of the write number), and warm
 * readers allocate nothing.
 * Longer runs: {@code -Dgrid.cache.stress.millis=60000}.
 */
class CacheReaderStressTest
{
    private static final long MILLIS = Long.getLong("grid.cache.stress.millis", 1500);
    private static final int KEYS = 256;
    private static final int BATCH = 2 * CacheReader.OVERLAPPED_KEYS + 3;
    /** Each value's room in a reader's buffer: the longest value. */
    private static final int VALUE_ROOM = 128;

    @Test
    void readersNeverSeeTornOrRecycledValues() throws Exception
    {
        final CacheContext context = new CacheContext().name("stress").serviceId(1).policy(CachePolicy.LRU)
            .maxEntries(96).blockSize(32).memoryBudgetBytes(32L * 300).maxKeyLength(8).maxValueLength(128)
            .defaultTtlNanos(0).sweepBudget(2);
        try (CacheStateMachine cache = new CacheStateMachine(context, Fences.NONE))
        {
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread[] readers = new Thread[2];
            final AtomicLongArray hits = new AtomicLongArray(readers.length);
            final AtomicLongArray misses = new AtomicLongArray(readers.length);
            final AtomicLongArray readerAllocations = new AtomicLongArray(readers.length);
            for (int r = 0; r < readers.length; r++)
            {
                final int seed = r;
                readerAllocations.set(r, -1);
                readers[r] = new Thread(() -> read(cache, seed, running, failure, hits, misses, readerAllocations),
                    "reader-" + r);
                readers[r].start();
            }

            final CacheCommands commands = new CacheCommands();
            final UnsafeBuffer command = new UnsafeBuffer(new byte[1024]);
            final UnsafeBuffer response = new UnsafeBuffer(new byte[1024]);
            final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
            final UnsafeBuffer value = new UnsafeBuffer(new byte[128]);
            final SplittableRandom random = new SplittableRandom(42);
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MILLIS);
            long index = 0;
            while (System.nanoTime() < deadline && null == failure.get())
            {
                index++;
                final int id = random.nextInt(KEYS);
                key.putLong(0, id);
                final int r = random.nextInt(100);
                final int length;
                if (r < 85)
                {
                    final int valueLength = valueLength(index);
                    for (int w = 0; w < valueLength; w += 8)
                    {
                        value.putLong(w, ((long)id << 32) | (index & 0xFFFF_FFFFL));
                    }
                    length = commands.wrap(command, 0).put(CachePutMode.PUT, key, 0, 8, value, 0, valueLength,
                        0 == (index & 7) ? 20_000 : 0, 0);
                }
                else if (r < 99)
                {
                    length = commands.wrap(command, 0).remove(key, 0, 8, 0);
                }
                else
                {
                    length = commands.wrap(command, 0).clear();
                }
                cache.onLogTime(index, index * 1000);
                cache.apply(index, index * 1000, 1, index, command, 0, length, response, 0);
            }
            running.set(false);
            for (final Thread reader : readers)
            {
                reader.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(cache.evictions()).isPositive();
            assertThat(cache.expirations()).isPositive();
            for (int r = 0; r < readers.length; r++)
            {
                assertThat(hits.get(r)).as("hits of reader %d", r).isPositive();
                assertThat(misses.get(r)).as("misses of reader %d", r).isPositive();
                assertThat(readerAllocations.get(r)).as("bytes warm reader %d allocated", r).isZero();
            }
        }
    }

    /**
     * Every key homes to the same index bucket, so they overflow into the next buckets, and churn keys are put and
     * removed all the time (raising and lowering the overflow counts a probe follows) while pinned keys stay: a
     * reader must find every pinned key on every read, never a false miss.
     */
    @Test
    void keysThatStayAreNeverMissedWhileOverflowCountsChurn() throws Exception
    {
        final int maxEntries = 40;
        final CacheContext context = new CacheContext().name("overflow").serviceId(1).policy(CachePolicy.LRU)
            .maxEntries(maxEntries).blockSize(16).memoryBudgetBytes(16L * maxEntries).maxKeyLength(8)
            .maxValueLength(8);
        final HashIndex homes = new HashIndex(new UnsafeBuffer(new byte[0]), new UnsafeBuffer(new byte[0]), maxEntries);
        final long[] ids = new long[70];
        final UnsafeBuffer probe = new UnsafeBuffer(new byte[8]);
        for (long candidate = 0, found = 0; found < ids.length; candidate++)
        {
            probe.putLong(0, candidate);
            if (0 == homes.home(KeyHash.hash(probe, 0, 8)))
            {
                ids[(int)found++] = candidate;
            }
        }
        final int pinned = 10;
        final int maxChurning = maxEntries - pinned - 2;
        try (CacheStateMachine cache = new CacheStateMachine(context, Fences.NONE))
        {
            final CacheCommands commands = new CacheCommands();
            final UnsafeBuffer command = new UnsafeBuffer(new byte[256]);
            final UnsafeBuffer response = new UnsafeBuffer(new byte[256]);
            final UnsafeBuffer key = new UnsafeBuffer(new byte[8]);
            final UnsafeBuffer value = new UnsafeBuffer(new byte[8]);
            long index = 0;
            final boolean[] present = new boolean[ids.length];
            int churning = 0;
            // Churn keys fill the home bucket first, so the pinned keys lie in the next one, behind its overflow count.
            for (int p = pinned; p < pinned + HashIndex.WORDS; p++)
            {
                present[p] = true;
                churning++;
            }
            for (int p = pinned; p < pinned + HashIndex.WORDS + pinned; p++)
            {
                final int which = p < pinned + HashIndex.WORDS ? p : p - HashIndex.WORDS - pinned;
                key.putLong(0, ids[which]);
                value.putLong(0, ids[which]);
                final int length = commands.wrap(command, 0).put(CachePutMode.PUT, key, 0, 8, value, 0, 8, 0, 0);
                index++;
                cache.apply(index, index, 1, index, command, 0, length, response, 0);
            }

            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicLong reads = new AtomicLong();
            final Thread[] readers = new Thread[2];
            for (int r = 0; r < readers.length; r++)
            {
                final int seed = r;
                readers[r] = new Thread(() ->
                {
                    try
                    {
                        final CacheReader reader = cache.newReader();
                        final UnsafeBuffer readKey = new UnsafeBuffer(new byte[8]);
                        final UnsafeBuffer into = new UnsafeBuffer(new byte[8]);
                        final SplittableRandom random = new SplittableRandom(seed);
                        long count = 0;
                        while (running.get())
                        {
                            final long id = ids[random.nextInt(pinned)];
                            readKey.putLong(0, id);
                            final int length = reader.get(readKey, 0, 8, into, 0);
                            if (8 != length || into.getLong(0) != id)
                            {
                                throw new AssertionError("pinned key " + id + " read as " + length);
                            }
                            count++;
                        }
                        reads.addAndGet(count);
                    }
                    catch (final Throwable t)
                    {
                        failure.compareAndSet(null, t);
                    }
                }, "pinned-reader-" + r);
                readers[r].start();
            }

            final SplittableRandom random = new SplittableRandom(7);
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MILLIS);
            long changes = 0;
            while (System.nanoTime() < deadline && null == failure.get())
            {
                final int which = pinned + random.nextInt(ids.length - pinned);
                if (!present[which] && churning == maxChurning)
                {
                    continue;
                }
                key.putLong(0, ids[which]);
                value.putLong(0, ids[which]);
                final int length = present[which] ? commands.wrap(command, 0).remove(key, 0, 8, 0) :
                    commands.wrap(command, 0).put(CachePutMode.PUT, key, 0, 8, value, 0, 8, 0, 0);
                churning += present[which] ? -1 : 1;
                present[which] = !present[which];
                index++;
                cache.apply(index, index, 1, index, command, 0, length, response, 0);
                changes++;
            }
            running.set(false);
            for (final Thread reader : readers)
            {
                reader.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(cache.evictions()).as("nothing evicted: pinned keys stay").isZero();
            assertThat(changes).isGreaterThan(1000);
            assertThat(reads.get()).isGreaterThan(1000);
        }
    }

    private static int valueLength(final long writeNumber)
    {
        return 8 * (1 + (int)(writeNumber % 16));
    }

    /**
     * Reads random keys until stopped, checking every value found: reader 0 by {@link CacheReader#get}, reader 1 by
     * {@link CacheReader#getAll} in batches of {@value #BATCH} (two groups of overlapped keys, and a part of one).
     * Sets its hits, misses and the bytes it allocated once warm (left -1 if it never warmed up) at its index.
     */
    private static void read(
        final CacheStateMachine cache,
        final int seed,
        final AtomicBoolean running,
        final AtomicReference<Throwable> failure,
        final AtomicLongArray hits,
        final AtomicLongArray misses,
        final AtomicLongArray allocations)
    {
        try
        {
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            final CacheReader reader = cache.newReader();
            final boolean batched = 1 == seed;
            final UnsafeBuffer keys = new UnsafeBuffer(new byte[BATCH * 8]);
            final int[] keyOffsets = new int[BATCH];
            final int[] keyLengths = new int[BATCH];
            for (int i = 0; i < BATCH; i++)
            {
                keyOffsets[i] = i * 8;
                keyLengths[i] = 8;
            }
            final UnsafeBuffer into = new UnsafeBuffer(new byte[BATCH * VALUE_ROOM]);
            final int[] results = new int[BATCH];
            final long[] keyHashes = new long[BATCH];
            final SplittableRandom random = new SplittableRandom(seed);
            long localHits = 0;
            long reads = 0;
            long allocatedAtWarm = -1;
            while (running.get())
            {
                final int count = batched ? BATCH : 1;
                for (int i = 0; i < count; i++)
                {
                    keys.putLong(i * 8, random.nextInt(KEYS));
                }
                if (batched)
                {
                    reader.getAll(keys, keyOffsets, keyLengths, BATCH, into, 0, VALUE_ROOM, results, keyHashes);
                }
                else
                {
                    results[0] = reader.get(keys, 0, 8, into, 0);
                }
                for (int i = 0; i < count; i++)
                {
                    if (results[i] >= 0)
                    {
                        localHits++;
                        checkValue(keys.getLong(i * 8), results[i], into, i * VALUE_ROOM,
                            batched ? -1 : reader.lastVersion());
                    }
                }
                reads += count;
                if (allocatedAtWarm < 0 && reads >= 200_000)
                {
                    allocatedAtWarm = threads.getCurrentThreadAllocatedBytes();
                }
            }
            if (allocatedAtWarm >= 0)
            {
                allocations.set(seed, threads.getCurrentThreadAllocatedBytes() - allocatedAtWarm);
            }
            hits.set(seed, localHits);
            misses.set(seed, reads - localHits);
        }
        catch (final Throwable t)
        {
            failure.compareAndSet(null, t);
        }
    }

    /**
     * @param version the entry version the reader reported, or -1 where it reports none (a batch).
     */
    private static void checkValue(
        final long id, final int length, final UnsafeBuffer into, final int offset, final long version)
    {
        final long first = into.getLong(offset);
        if (first >>> 32 != id || length != valueLength(first & 0xFFFF_FFFFL) ||
            (version >= 0 && version != (first & 0xFFFF_FFFFL)))
        {
            throw new AssertionError("key " + id + " read a value of another key or write: " +
                Long.toHexString(first) + " length " + length + " version " + version);
        }
        for (int w = 8; w < length; w += 8)
        {
            if (into.getLong(offset + w) != first)
            {
                throw new AssertionError("torn value for key " + id + " at word " + w);
            }
        }
    }
}
