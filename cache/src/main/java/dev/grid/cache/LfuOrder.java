package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.grid.cache.CacheStore.HASH_OFFSET;
import static dev.grid.cache.CacheStore.NONE;
import static dev.grid.cache.CacheStore.SCORE_OFFSET;

/**
 * LFU with Redis-style logarithmic counters that decay over log time, exact and O(1).
 * <p>
 * Each slot stores a score: its count plus the floor at its last access. The floor is the aging clock: the decay
 * period of the log time (one per {@code lfuDecayNanos}, as Redis's lfu-decay-time), raised to the score of each
 * evicted entry when dynamic aging (LFU-DA) is on. A slot's decayed count is {@code score - floor}, so ordering by
 * score is ordering by decayed count, and aging every count at once is free. The eviction order is: lowest score
 * first, ties to the least recent. Scores of live slots lie below {@code floor + 256}; buckets form a ring of 256
 * lists indexed by {@code score mod 256}, each most recent at its head. When the floor advances, the lowest bucket
 * is moved behind the tail of the next one, so slots whose score fell below the floor (decayed to 0 and below) stay
 * in the lowest bucket, still lowest score first. An access re-scores a slot to
 * {@code floor + increment(max(0, score - floor))} and puts it at its bucket's head.
 */
final class LfuOrder implements EvictionOrder
{
    static final int BUCKETS = 256;
    private static final int MASK = BUCKETS - 1;

    private final UnsafeBuffer slots;
    private final int stride;
    private final SlotLists lists;
    private final long[] nonEmpty = new long[BUCKETS / Long.SIZE];
    private final int logFactor;
    private final long decayNanos;
    private final boolean dynamicAging;
    private long period;
    private long accessCount;

    LfuOrder(
        final UnsafeBuffer slots,
        final int stride,
        final int logFactor,
        final long decayNanos,
        final boolean dynamicAging)
    {
        this.stride = stride;
        this.dynamicAging = dynamicAging;
        this.slots = slots;
        this.lists = new SlotLists(slots, stride, BUCKETS);
        this.logFactor = logFactor;
        this.decayNanos = decayNanos;
    }

    private long score(final int slot)
    {
        return slots.getLong(slot * stride + SCORE_OFFSET);
    }

    private int bucketOf(final long score)
    {
        return (int)(Math.max(score, period) & MASK);
    }

    private void push(final int slot, final long score)
    {
        slots.putLong(slot * stride + SCORE_OFFSET, score);
        final int bucket = bucketOf(score);
        lists.pushHead(bucket, slot);
        nonEmpty[bucket >>> 6] |= 1L << bucket;
    }

    public void insertNew(final int slot)
    {
        push(slot, period + LfuCounter.INITIAL);
    }

    public void access(final int slot)
    {
        remove(slot);
        reinsertAccessed(slot);
    }

    public void remove(final int slot)
    {
        final int bucket = bucketOf(score(slot));
        lists.unlink(bucket, slot);
        if (lists.isEmpty(bucket))
        {
            nonEmpty[bucket >>> 6] &= ~(1L << bucket);
        }
    }

    public void reinsertAccessed(final int slot)
    {
        final long decayed = Math.max(0, score(slot) - period);
        final long draw = LfuCounter.draw(slots.getLong(slot * stride + HASH_OFFSET), accessCount++);
        push(slot, period + LfuCounter.increment((int)Math.min(decayed, LfuCounter.MAX), draw, logFactor));
    }

    public int victim()
    {
        final int bucket = firstNonEmpty((int)(period & MASK), BUCKETS);
        return NONE == bucket ? NONE : lists.tail(bucket);
    }

    public int nextVictim(final int slot)
    {
        final int prev = lists.prev(slot);
        if (NONE != prev)
        {
            return prev;
        }
        final int bucket = bucketOf(score(slot));
        final int remaining = MASK - (int)((bucket - period) & MASK);
        final int next = firstNonEmpty((bucket + 1) & MASK, remaining);
        return NONE == next ? NONE : lists.tail(next);
    }

    /**
     * @return the first non-empty bucket among {@code count} buckets in ring order from {@code start}, or NONE.
     */
    private int firstNonEmpty(final int start, final int count)
    {
        int bucket = start;
        int remaining = count;
        while (remaining > 0)
        {
            final int bit = bucket & 63;
            final int span = Math.min(64 - bit, remaining);
            long bits = nonEmpty[bucket >>> 6] >>> bit;
            if (span < 64)
            {
                bits &= (1L << span) - 1;
            }
            if (0 != bits)
            {
                return bucket + Long.numberOfTrailingZeros(bits);
            }
            bucket = (bucket + span) & MASK;
            remaining -= span;
        }
        return NONE;
    }

    /**
     * Dynamic aging (LFU-DA): the floor rises to the score of what is evicted, so counts are relative to what the
     * cache currently evicts and new entries are not the next victims by default. The victim is in the lowest
     * non-empty bucket, so every bucket below its score is empty and the floor moves without any merge.
     */
    public void evicting(final int slot)
    {
        final long score = score(slot);
        if (dynamicAging && score > period)
        {
            period = score;
        }
    }

    public void advanceTime(final long now)
    {
        final long target = LfuCounter.period(now, decayNanos);
        final long steps = Math.min(target - period, BUCKETS);
        for (long i = 0; i < steps; i++)
        {
            final int lowest = (int)(period & MASK);
            final int next = (int)((period + 1) & MASK);
            lists.moveBehindTail(lowest, next);
            nonEmpty[lowest >>> 6] &= ~(1L << lowest);
            if (!lists.isEmpty(next))
            {
                nonEmpty[next >>> 6] |= 1L << next;
            }
            period++;
        }
        if (target > period)
        {
            // After a full turn of the ring every slot is in the lowest bucket: relabel it for the target period.
            final int lowest = (int)(period & MASK);
            final int destination = (int)(target & MASK);
            if (lowest != destination)
            {
                lists.moveBehindTail(lowest, destination);
                nonEmpty[lowest >>> 6] &= ~(1L << lowest);
                if (!lists.isEmpty(destination))
                {
                    nonEmpty[destination >>> 6] |= 1L << destination;
                }
            }
            period = target;
        }
    }

    public void clear()
    {
        lists.clear();
        java.util.Arrays.fill(nonEmpty, 0);
    }

    public int stateLength()
    {
        return 2 * Long.BYTES + nonEmpty.length * Long.BYTES + lists.stateLength();
    }

    public void writeState(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putLong(offset, period);
        buffer.putLong(offset + 8, accessCount);
        for (int i = 0; i < nonEmpty.length; i++)
        {
            buffer.putLong(offset + 16 + 8 * i, nonEmpty[i]);
        }
        lists.writeState(buffer, offset + 16 + 8 * nonEmpty.length);
    }

    public void readState(final UnsafeBuffer buffer, final int offset)
    {
        period = buffer.getLong(offset);
        accessCount = buffer.getLong(offset + 8);
        for (int i = 0; i < nonEmpty.length; i++)
        {
            nonEmpty[i] = buffer.getLong(offset + 16 + 8 * i);
        }
        lists.readState(buffer, offset + 16 + 8 * nonEmpty.length);
    }

    public void checksumState(final StateChecksum checksum)
    {
        checksum.update(period).update(accessCount);
        for (final long word : nonEmpty)
        {
            checksum.update(word);
        }
    }
}
