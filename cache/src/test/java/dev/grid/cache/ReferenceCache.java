package dev.grid.cache;

import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The specification of a cache as plain Java, for model-based tests: a LinkedHashMap kept in recency order (an
 * access re-inserts the entry at the end) is exact LRU; LFU is Redis's sampled LFU written the plain way: a list of
 * the main order's entries (appended, a removed one replaced by the last), samples drawn from it by Floyd's
 * algorithm with {@link SplittableRandom} (the SplitMix64 sequence the cache replicates), or with {@code lfuSweep}
 * taken in list order from where the previous round stopped, a sorted candidate pool of
 * 16 with Redis's insertion rule (with the sweep, a candidate read since it was sampled is passed over), and
 * Redis's counters. Budgets, slot reuse (for the TTL sweep's slot order),
 * expiry and versions follow the cache's documented rules, written the obvious way.
 */
final class ReferenceCache
{
    record Result(Status status, long version, long counter, byte[] value)
    {
        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Result r && r.status == status && r.version == version && r.counter == counter &&
                Arrays.equals(r.value, value);
        }

        @Override
        public int hashCode()
        {
            return status.hashCode();
        }

        @Override
        public String toString()
        {
            return status + " v" + version + " c" + counter + " " + Arrays.toString(value);
        }
    }

    static final class Entry
    {
        byte[] key;
        byte[] value;
        long hash;
        long expireAt;
        long version;
        int count;
        long lastPeriod;
        int slot;
        boolean pinned;
        boolean inWindow;
    }

    private final CacheContext context;
    private final boolean lfu;
    private final LinkedHashMap<String, Entry> map = new LinkedHashMap<>();
    private final Entry[] bySlot;
    private final Deque<Integer> freeSlots = new ArrayDeque<>();
    private final FrequencySketch sketch;
    private final LinkedHashMap<String, Entry> window = new LinkedHashMap<>();
    private final WindowClimber climber;
    /** LRU with admission: Caffeine's segmented main region, each segment oldest first. */
    private final boolean segmented;
    private final LinkedHashMap<String, Entry> probation = new LinkedHashMap<>();
    private final LinkedHashMap<String, Entry> protectedSegment = new LinkedHashMap<>();
    private final int probationShare;
    private int freeBlocks;
    private long now;
    private int sweepCursor;
    private final List<Entry> members = new ArrayList<>();
    private final List<PoolEntry> pool = new ArrayList<>();
    /** The next list position the sweep samples. */
    private int hand;
    private final SplittableRandom random;
    long hits;
    long misses;
    long evictions;
    long expirations;

    ReferenceCache(final CacheContext context)
    {
        this.context = context;
        lfu = CachePolicy.LFU == context.policy();
        bySlot = new Entry[context.maxEntries()];
        random = new SplittableRandom(context.lfuSeed());
        climber = new WindowClimber(context.maxEntries());
        sketch = context.admission() ? new FrequencySketch(new UnsafeBuffer(
            new byte[FrequencySketch.wordsFor(context.maxEntries()) * Long.BYTES]), context.maxEntries()) : null;
        segmented = !lfu && context.admission();
        probationShare = (context.maxEntries() - WindowClimber.initialCapacity(context.maxEntries())) / 5;
        reset();
    }

    /** An eviction candidate, named by slot and key hash as the cache names it. */
    private record PoolEntry(int slot, long hash, int idle)
    {
    }

    private void reset()
    {
        map.clear();
        members.clear();
        pool.clear();
        hand = 0;
        window.clear();
        probation.clear();
        protectedSegment.clear();
        Arrays.fill(bySlot, null);
        freeSlots.clear();
        for (int i = 0; i < context.maxEntries(); i++)
        {
            freeSlots.addLast(i);
        }
        freeBlocks = context.overflowBlocks();
        sweepCursor = 0;
    }

    private static String id(final byte[] key)
    {
        return Arrays.toString(key);
    }

    /** The LFU aging clock: log-time decay periods. */
    private long period()
    {
        return LfuCounter.period(now, context.lfuDecayNanos());
    }

    /** Redis's LFUDecrAndReturn: one less per decay period since the last access. */
    private int decayedCount(final Entry e)
    {
        return (int)Math.max(0, e.count - (period() - e.lastPeriod));
    }

    private void setCount(final Entry e, final int count)
    {
        e.count = count;
        e.lastPeriod = period();
    }

    void onLogTime(final long timestamp)
    {
        advance(timestamp);
        if (map.values().stream().allMatch(e -> e.expireAt == Long.MAX_VALUE))
        {
            return;
        }
        for (int i = 0; i < context.sweepBudget(); i++)
        {
            final int slot = sweepCursor;
            sweepCursor = (slot + 1) % context.maxEntries();
            final Entry e = bySlot[slot];
            if (null != e && e.expireAt <= now)
            {
                removeEntry(e);
                expirations++;
            }
        }
    }

    void advance(final long timestamp)
    {
        now = Math.max(now, timestamp);
    }

    private void access(final Entry e)
    {
        if (e.inWindow)
        {
            window.remove(id(e.key));
            window.put(id(e.key), e);
            if (null != sketch)
            {
                sketch.increment(e.hash);
            }
            return;
        }
        map.remove(id(e.key));
        map.put(id(e.key), e);
        if (segmented)
        {
            probation.remove(id(e.key));
            protectedSegment.remove(id(e.key));
            protectedSegment.put(id(e.key), e);
            demoteExcess();
        }
        if (lfu)
        {
            setCount(e, LfuCounter.increment(decayedCount(e), random.nextLong(), context.lfuLogFactor()));
        }
        if (null != sketch)
        {
            sketch.increment(e.hash);
        }
    }

    /** Protected holds the main region less probation's share; at most two fall back to probation per call. */
    private void demoteExcess()
    {
        final int capacity = Math.max(0, context.maxEntries() - climber.windowCapacity() - probationShare);
        for (int i = 0; i < 2 && protectedSegment.size() > capacity; i++)
        {
            final Entry oldest = protectedSegment.values().iterator().next();
            protectedSegment.remove(id(oldest.key));
            probation.put(id(oldest.key), oldest);
        }
    }

    private Entry victim()
    {
        if (segmented)
        {
            return !probation.isEmpty() ? probation.values().iterator().next() :
                protectedSegment.isEmpty() ? null : protectedSegment.values().iterator().next();
        }
        if (!lfu)
        {
            for (final Entry e : map.values())
            {
                if (!e.pinned && !e.inWindow)
                {
                    return e;
                }
            }
            return null;
        }
        if (members.isEmpty())
        {
            return null;
        }
        while (true)
        {
            final int n = Math.min(context.lfuSamples(), members.size());
            final List<Integer> drawn = new ArrayList<>();
            for (int j = members.size() - n; j < members.size() && context.lfuSweep(); j++)
            {
                hand = hand < members.size() ? hand : 0;
                final Entry e = members.get(hand++);
                offer(new PoolEntry(e.slot, e.hash, LfuCounter.MAX - decayedCount(e)));
            }
            for (int j = members.size() - n; j < members.size() && !context.lfuSweep(); j++)
            {
                final int t = (int)(((random.nextLong() >>> 32) * (j + 1)) >>> 32);
                final int position = drawn.contains(t) ? j : t;
                drawn.add(position);
                final Entry e = members.get(position);
                offer(new PoolEntry(e.slot, e.hash, LfuCounter.MAX - decayedCount(e)));
            }
            while (!pool.isEmpty())
            {
                final PoolEntry best = pool.remove(pool.size() - 1);
                final Entry e = bySlot[best.slot()];
                final boolean readSinceSampled =
                    null != e && context.lfuSweep() && LfuCounter.MAX - decayedCount(e) < best.idle();
                if (null != e && members.contains(e) && e.hash == best.hash() && !readSinceSampled)
                {
                    return e;
                }
            }
        }
    }

    /** Redis's pool: sorted by idle; a newcomer goes before the first at least as idle; full: drop the least idle. */
    private void offer(final PoolEntry candidate)
    {
        int k = 0;
        while (k < pool.size() && pool.get(k).idle() < candidate.idle())
        {
            k++;
        }
        if (pool.size() < LfuOrder.POOL_SIZE)
        {
            pool.add(k, candidate);
        }
        else if (k > 0)
        {
            pool.remove(0);
            pool.add(k - 1, candidate);
        }
    }

    private void removeMember(final Entry e)
    {
        final int position = members.indexOf(e);
        final Entry last = members.remove(members.size() - 1);
        if (last != e)
        {
            members.set(position, last);
        }
    }

    /**
     * @return the keys in the order they would be evicted.
     */
    List<String> evictionOrder()
    {
        final List<String> keys = new ArrayList<>(window.keySet());
        if (lfu)
        {
            members.forEach(e -> keys.add(id(e.key) + "@" + e.lastPeriod + ":" + e.count + ":" + e.slot));
        }
        else if (segmented)
        {
            probation.values().forEach(e -> keys.add(id(e.key) + "~probation"));
            protectedSegment.values().forEach(e -> keys.add(id(e.key) + "~protected"));
        }
        else
        {
            map.values().stream().filter(e -> !e.inWindow).forEach(e -> keys.add(id(e.key)));
        }
        return keys;
    }

    private void removeEntry(final Entry e)
    {
        map.remove(id(e.key));
        probation.remove(id(e.key));
        protectedSegment.remove(id(e.key));
        if (null == window.remove(id(e.key)) && lfu && !e.pinned)
        {
            removeMember(e);
        }
        bySlot[e.slot] = null;
        freeSlots.addFirst(e.slot);
        freeBlocks += blocks(e) - 1;
    }

    private int blocks(final Entry e)
    {
        return context.blocksFor(e.key.length + e.value.length);
    }

    private void makeRoom(final int blocks, final int slots)
    {
        while (freeBlocks < blocks || freeSlots.size() < slots)
        {
            final Entry victim = victim();
            if (null != sketch)
            {
                final Entry candidate = window.isEmpty() ? null : window.values().iterator().next();
                if (null != candidate)
                {
                    if (null != victim && sketch.frequency(candidate.hash) > sketch.frequency(victim.hash))
                    {
                        evict(victim);
                        if (window.size() >= climber.windowCapacity())
                        {
                            moveToMain(candidate);
                        }
                    }
                    else
                    {
                        removeEntry(candidate);
                        evictions++;
                    }
                    continue;
                }
            }
            evict(victim);
        }
    }

    private void evict(final Entry victim)
    {
        removeEntry(victim);
        evictions++;
    }

    private void moveToMain(final Entry e)
    {
        window.remove(id(e.key));
        e.inWindow = false;
        setCount(e, LfuCounter.INITIAL);
        map.remove(id(e.key));
        map.put(id(e.key), e);
        if (lfu)
        {
            members.add(e);
        }
        if (segmented)
        {
            probation.put(id(e.key), e);
            demoteExcess();
        }
    }

    /** The window under its capacity takes the main order's victim, as it is, at its most recent end. */
    private void moveToWindow(final Entry e)
    {
        if (lfu)
        {
            removeMember(e);
        }
        probation.remove(id(e.key));
        protectedSegment.remove(id(e.key));
        e.inWindow = true;
        window.put(id(e.key), e);
    }

    /** Takes an entry out of the window or the main order while room is made for its rewrite. */
    private void pin(final Entry e)
    {
        e.pinned = true;
        if (null == window.remove(id(e.key)) && lfu)
        {
            removeMember(e);
        }
        probation.remove(id(e.key));
        protectedSegment.remove(id(e.key));
    }

    private Entry lookup(final byte[] key)
    {
        final Entry e = map.get(id(key));
        if (null != e && e.expireAt <= now)
        {
            removeEntry(e);
            expirations++;
            return null;
        }
        return e;
    }

    private Entry find(final byte[] key)
    {
        final Entry e = map.get(id(key));
        return null == e || e.expireAt <= now ? null : e;
    }

    private long expireAt(final long ttl)
    {
        final long t = 0 == ttl ? context.defaultTtlNanos() : ttl;
        if (0 == t)
        {
            return Long.MAX_VALUE;
        }
        return now + t < now ? Long.MAX_VALUE : now + t;
    }

    private void insert(final byte[] key, final byte[] value, final long expireAt, final long version)
    {
        makeRoom(context.blocksFor(key.length + value.length) - 1, 1);
        final Entry e = new Entry();
        e.key = key;
        e.value = value;
        e.hash = KeyHash.hash(new UnsafeBuffer(key), 0, key.length);
        e.expireAt = expireAt;
        e.version = version;
        e.slot = freeSlots.removeFirst();
        setCount(e, LfuCounter.INITIAL);
        bySlot[e.slot] = e;
        freeBlocks -= blocks(e) - 1;
        map.put(id(key), e);
        if (null != sketch)
        {
            e.inWindow = true;
            window.put(id(key), e);
            for (int i = 0; i < 2 && window.size() > climber.windowCapacity(); i++)
            {
                moveToMain(window.values().iterator().next());
            }
            for (int i = 0; i < 2 && window.size() < climber.windowCapacity() && mainHoldsAny(); i++)
            {
                moveToWindow(victim());
            }
            sketch.increment(e.hash);
        }
        else if (lfu)
        {
            members.add(e);
        }
    }

    private boolean mainHoldsAny()
    {
        return lfu ? !members.isEmpty() : !probation.isEmpty() || !protectedSegment.isEmpty();
    }

    private void rewrite(final Entry e, final byte[] value, final long expireAt, final long version)
    {
        freeBlocks += blocks(e);
        e.value = value;
        freeBlocks -= blocks(e);
        e.expireAt = expireAt;
        e.version = version;
        e.pinned = false;
        if (e.inWindow)
        {
            window.put(id(e.key), e);
        }
        else if (lfu)
        {
            members.add(e);
        }
        access(e);
    }

    private static Result error(final Status status)
    {
        return new Result(status, 0, 0, new byte[0]);
    }

    private Status keyError(final byte[] key)
    {
        if (0 == key.length)
        {
            return Status.MALFORMED;
        }
        return key.length > context.maxKeyLength() ? Status.TOO_LARGE : null;
    }

    Result get(final long timestamp, final byte[] key)
    {
        advance(timestamp);
        final Status keyError = keyError(key);
        if (null != keyError)
        {
            return error(keyError);
        }
        final Entry e = lookup(key);
        if (null == e)
        {
            misses++;
            if (null != sketch)
            {
                climber.onMiss();
            }
            return error(Status.NOT_FOUND);
        }
        hits++;
        access(e);
        if (null != sketch)
        {
            climber.onHit();
        }
        return new Result(Status.OK, e.version, 0, e.value.clone());
    }

    Result put(
        final long index,
        final long timestamp,
        final CachePutMode mode,
        final byte[] key,
        final byte[] value,
        final long ttl,
        final long expectedVersion,
        final Boolean fenceAccepted)
    {
        advance(timestamp);
        Status error = keyError(key);
        if (null == error && value.length > context.maxValueLength())
        {
            error = Status.TOO_LARGE;
        }
        if (null == error && ttl < 0)
        {
            error = Status.MALFORMED;
        }
        if (null == error && Boolean.FALSE.equals(fenceAccepted))
        {
            error = Status.FENCED;
        }
        if (null != error)
        {
            return error(error);
        }
        final Entry e = lookup(key);
        if (CachePutMode.PUT_IF_ABSENT == mode && null != e)
        {
            return new Result(Status.ALREADY_EXISTS, e.version, 0, e.value.clone());
        }
        if ((CachePutMode.REPLACE == mode || CachePutMode.COMPARE_AND_SET == mode) && null == e)
        {
            return error(Status.NOT_FOUND);
        }
        if (CachePutMode.COMPARE_AND_SET == mode && e.version != expectedVersion)
        {
            return new Result(Status.VERSION_MISMATCH, e.version, 0, new byte[0]);
        }
        final long expireAt = expireAt(ttl);
        if (null == e)
        {
            insert(key, value, expireAt, index);
        }
        else
        {
            pin(e);
            makeRoom(Math.max(0, context.blocksFor(key.length + value.length) - blocks(e)), 0);
            rewrite(e, value, expireAt, index);
        }
        return new Result(Status.OK, index, 0, new byte[0]);
    }

    Result remove(final long timestamp, final byte[] key, final long expectedVersion, final Boolean fenceAccepted)
    {
        advance(timestamp);
        Status error = keyError(key);
        if (null == error && Boolean.FALSE.equals(fenceAccepted))
        {
            error = Status.FENCED;
        }
        if (null != error)
        {
            return error(error);
        }
        final Entry e = lookup(key);
        if (null == e)
        {
            return error(Status.NOT_FOUND);
        }
        if (0 != expectedVersion && e.version != expectedVersion)
        {
            return new Result(Status.VERSION_MISMATCH, e.version, 0, new byte[0]);
        }
        removeEntry(e);
        return new Result(Status.OK, e.version, 0, new byte[0]);
    }

    Result increment(final long index, final long timestamp, final byte[] key, final long delta, final long ttl)
    {
        advance(timestamp);
        final Status error = keyError(key);
        if (null != error)
        {
            return error(error);
        }
        if (ttl < 0)
        {
            return error(Status.MALFORMED);
        }
        final Entry e = lookup(key);
        if (null == e)
        {
            insert(key, longBytes(delta), expireAt(ttl), index);
            return new Result(Status.OK, index, delta, new byte[0]);
        }
        if (e.value.length != 8)
        {
            return new Result(Status.MALFORMED, e.version, 0, new byte[0]);
        }
        final long current = new UnsafeBuffer(e.value).getLong(0, java.nio.ByteOrder.LITTLE_ENDIAN);
        final long next;
        try
        {
            next = Math.addExact(current, delta);
        }
        catch (final ArithmeticException ex)
        {
            return new Result(Status.LIMIT_EXCEEDED, e.version, current, new byte[0]);
        }
        e.value = longBytes(next);
        e.version = index;
        access(e);
        return new Result(Status.OK, index, next, new byte[0]);
    }

    static byte[] longBytes(final long value)
    {
        final byte[] bytes = new byte[8];
        new UnsafeBuffer(bytes).putLong(0, value, java.nio.ByteOrder.LITTLE_ENDIAN);
        return bytes;
    }

    /**
     * @return one result per key, or a single error result for the whole command.
     */
    List<Result> getAll(final long timestamp, final List<byte[]> keys)
    {
        advance(timestamp);
        if (keys.size() > context.maxBatchSize())
        {
            return List.of(error(Status.TOO_LARGE));
        }
        for (final byte[] key : keys)
        {
            final Status error = keyError(key);
            if (null != error)
            {
                return List.of(error(error));
            }
        }
        final List<Result> results = new ArrayList<>();
        for (final byte[] key : keys)
        {
            final Entry e = lookup(key);
            if (null == e)
            {
                misses++;
                if (null != sketch)
                {
                    climber.onMiss();
                }
                results.add(error(Status.NOT_FOUND));
            }
            else
            {
                hits++;
                access(e);
                if (null != sketch)
                {
                    climber.onHit();
                }
                results.add(new Result(Status.OK, e.version, 0, e.value.clone()));
            }
        }
        return results;
    }

    Result putAll(
        final long index,
        final long timestamp,
        final List<byte[]> keys,
        final List<byte[]> values,
        final long ttl,
        final Boolean fenceAccepted)
    {
        advance(timestamp);
        if (keys.size() > context.maxBatchSize())
        {
            return error(Status.TOO_LARGE);
        }
        long needed = 0;
        long pinned = 0;
        int slots = 0;
        for (int i = 0; i < keys.size(); i++)
        {
            final Status keyError = keyError(keys.get(i));
            if (null != keyError)
            {
                return error(keyError);
            }
            if (values.get(i).length > context.maxValueLength())
            {
                return error(Status.TOO_LARGE);
            }
            for (int j = 0; j < i; j++)
            {
                if (Arrays.equals(keys.get(i), keys.get(j)))
                {
                    return error(Status.MALFORMED);
                }
            }
            final Entry e = find(keys.get(i));
            final int newBlocks = context.blocksFor(keys.get(i).length + values.get(i).length);
            if (null == e)
            {
                needed += newBlocks - 1;
                slots++;
            }
            else
            {
                needed += Math.max(0, newBlocks - blocks(e));
                pinned += blocks(e) - 1;
            }
        }
        if (ttl < 0)
        {
            return error(Status.MALFORMED);
        }
        if (needed + pinned > context.overflowBlocks() || keys.size() > context.maxEntries())
        {
            return error(Status.TOO_LARGE);
        }
        if (Boolean.FALSE.equals(fenceAccepted))
        {
            return error(Status.FENCED);
        }
        final Entry[] present = new Entry[keys.size()];
        for (int i = 0; i < keys.size(); i++)
        {
            present[i] = lookup(keys.get(i));
            if (null != present[i])
            {
                pin(present[i]);
            }
        }
        makeRoom((int)needed, slots);
        final long expireAt = expireAt(ttl);
        for (int i = 0; i < keys.size(); i++)
        {
            if (null == present[i])
            {
                insert(keys.get(i), values.get(i), expireAt, index);
            }
            else
            {
                rewrite(present[i], values.get(i), expireAt, index);
            }
        }
        return new Result(Status.OK, index, keys.size(), new byte[0]);
    }

    Result clear(final long timestamp, final Boolean fenceAccepted)
    {
        advance(timestamp);
        if (Boolean.FALSE.equals(fenceAccepted))
        {
            return error(Status.FENCED);
        }
        reset();
        return error(Status.OK);
    }

    void hints(final long timestamp, final long[] hashes)
    {
        advance(timestamp);
        for (final long hash : hashes)
        {
            for (final Entry e : map.values())
            {
                if (e.hash == hash && e.expireAt > now)
                {
                    hits++;
                    access(e);
                    if (null != sketch)
                    {
                        climber.onHit();
                    }
                    break;
                }
            }
        }
    }

    int entries()
    {
        return map.size();
    }

    long bytesUsed()
    {
        return (long)(map.size() + context.overflowBlocks() - freeBlocks) * context.blockSize();
    }

    Map<String, Entry> map()
    {
        return map;
    }
}
