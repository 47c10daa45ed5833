package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.grid.cache.CacheStore.HASH_OFFSET;
import static dev.grid.cache.CacheStore.NONE;
import static dev.grid.cache.CacheStore.POSITION_OFFSET;
import static dev.grid.cache.CacheStore.DETACHED_LFU_OFFSET;

/**
 * Redis's approximated LFU (allkeys-lfu), made deterministic: Redis's logarithmic counters decaying over log time,
 * and eviction from a pool of the best candidates found by sampling, carried across evictions.
 * <p>
 * Members: the slots of the order are kept dense in the member array, one {@value #MEMBER_LENGTH}-byte member each
 * (a new member is appended; a removed one is replaced by the last), and each slot keeps its position in its
 * {@code POSITION_OFFSET} field. A member is an entry and the slot's key hash. The entry holds, as Redis's 24-bit
 * {@code lru} field does, the counter and the decay period of its last access (32 bits, wrapping after 2^32
 * periods), beside the slot number (24 bits): {@code period << 32 | count << 24 | slot}. Sampling and the pool
 * therefore read only the member array, never the slot records: a sample is one random access (the entry and the
 * hash naming a pool candidate share a cache line), and the only slot record an eviction reads is its victim's.
 * <p>
 * Counters: the decayed count is the count less the periods elapsed since the last access (one period per
 * {@code lfuDecayNanos} of log time, Redis's lfu-decay-time and LFUDecrAndReturn). An access stores
 * {@code increment(decayed count)} ({@link LfuCounter}, Redis's LFULogIncr) with the current period; a new entry
 * starts at {@link LfuCounter#INITIAL}.
 * <p>
 * Eviction (Redis's evictionPoolPopulate and performEvictions): {@code samples} distinct members are drawn
 * uniformly (Floyd's algorithm), or with {@code lfuSweep} taken in turn by a hand that sweeps the member array,
 * and offered to a pool of {@value #POOL_SIZE} candidates sorted by idle
 * ({@code 255 - decayed count}) as Redis inserts them; then the pool is taken from its best end: a candidate whose
 * slot no longer holds a member of that key hash is a ghost and dropped, the first real one is the victim. If every
 * candidate was a ghost (or, with the sweep, read since sampled, below) the pool is empty and one more round of
 * sampling finds a member, as nothing is read between a round and its choice: at most two rounds, so the cost per
 * eviction is bounded.
 * <p>
 * Why a sweep: a uniform sample makes the victim a random entry, whose record, member and index bucket are cache
 * misses on every eviction. The hand's victims are neighbours in the member array, and a new entry usually takes
 * its victim's slot (free slots are reused last freed first) and, once the next eviction moves it into the hole
 * it leaves, a position in the hand's trail: so the members near the hand name slots evicted one after another,
 * and successive victims' records are neighbours in memory too. The price is a different policy: a new entry is
 * not sampled until the hand comes round again (members / samples rounds later), and every entry is sampled once a
 * round of the hand instead of at random intervals. With the sweep, a candidate read since it was sampled (its
 * idle is now lower than its pooled idle) is dropped too, like a ghost: the hand comes round to it again. Its stale
 * score would otherwise make it a victim, and a candidate can wait in the pool for a whole round of the hand,
 * where a uniform draw's pool turns over faster. Redis does not re-score, so the default does not either.
 * <p>
 * Every random draw (samples and counter increments) comes from a SplitMix64 generator whose state is replicated
 * (snapshots, checksum): it starts from the configured {@code lfuSeed} and advances only when the log's commands
 * access or evict, so every replica draws the same numbers and evicts the same entries.
 */
final class LfuOrder implements EvictionOrder
{
    /** Redis's EVPOOL_SIZE. */
    static final int POOL_SIZE = 16;
    /** The most samples per eviction round ({@code lfuSamples}). */
    static final int MAX_SAMPLES = 64;
    private static final long GOLDEN_GAMMA = 0x9E37_79B9_7F4A_7C15L;
    private static final int POOL_STATE_OFFSET = 24;
    private static final int HAND_STATE_LENGTH = 8;
    private static final int SLOT_MASK = 0xFF_FFFF;
    /** Bytes per member: the entry, then the key hash. */
    static final int MEMBER_LENGTH = 16;
    private static final int HASH_IN_MEMBER = 8;

    private final UnsafeBuffer slots;
    private final int stride;
    private final UnsafeBuffer members;
    private final HashIndex index;
    private final int samples;
    private final boolean sweep;
    private final int logFactor;
    private final long decayNanos;
    private final int[] poolSlots = new int[POOL_SIZE];
    private final long[] poolHashes = new long[POOL_SIZE];
    private final int[] poolIdle = new int[POOL_SIZE];
    /**
     * Where each candidate's member was when it was sampled: a hint for {@link #touchBestCandidate()} only (members
     * move), so it is not replicated state and is never used for a decision.
     */
    private final int[] poolPositionHints = new int[POOL_SIZE];
    private final int[] drawn = new int[MAX_SAMPLES];
    private final long[] drawnEntries = new long[MAX_SAMPLES];
    private final long[] drawnHashes = new long[MAX_SAMPLES];
    /**
     * The positions in {@link #drawn} are a function of the generator's state before they were drawn
     * ({@code drawnFrom}) and the member count ({@code drawnMemberCount}); {@code drawnTo} is the state after them.
     * Not replicated: a round that finds other values draws its own, the same positions either way.
     */
    private long drawnFrom;
    private long drawnTo;
    private int drawnMemberCount;
    private long victimHash;
    /** The sum of {@link #touchBestCandidate()}'s loads, kept only so that they are not optimised away. */
    private int touched;
    private int memberCount;
    private long period;
    private long random;
    /** With {@link #sweep}: the member position the next round samples first (wraps to 0 at the member count). */
    private int hand;

    /**
     * @param slots   the slot records.
     * @param stride  bytes per slot record.
     * @param members {@value #MEMBER_LENGTH} bytes per slot: the member array.
     * @param index   the cache's index, only read (see {@link #touchBestCandidate()}).
     * @param context the cache's configuration (samples, log factor, decay).
     */
    LfuOrder(
        final UnsafeBuffer slots,
        final int stride,
        final UnsafeBuffer members,
        final HashIndex index,
        final CacheContext context)
    {
        this.index = index;
        this.slots = slots;
        this.stride = stride;
        this.members = members;
        this.samples = context.lfuSamples();
        this.sweep = context.lfuSweep();
        this.logFactor = context.lfuLogFactor();
        this.decayNanos = context.lfuDecayNanos();
        this.random = context.lfuSeed();
        clear();
    }

    /**
     * The next number of the SplitMix64 sequence (as {@link java.util.SplittableRandom#nextLong()} from the same
     * seed), whose state is replicated.
     */
    private long nextRandom()
    {
        long z = (random += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /**
     * @return a draw uniform in {@code [0, bound)}: the high 32 bits of the next number scaled to the bound.
     */
    private int nextInt(final int bound)
    {
        return (int)(((nextRandom() >>> 32) * bound) >>> 32);
    }

    static int slotOf(final long entry)
    {
        return (int)entry & SLOT_MASK;
    }

    static int countOf(final long entry)
    {
        return (int)(entry >>> 24) & 0xFF;
    }

    static int periodOf(final long entry)
    {
        return (int)(entry >>> 32);
    }

    private long entry(final int slot, final int count)
    {
        return ((long)(int)period << 32) | ((long)count << 24) | slot;
    }

    private int decayedCount(final long entry)
    {
        final long elapsed = ((int)period - periodOf(entry)) & 0xFFFF_FFFFL;
        final int count = countOf(entry);
        return elapsed >= count ? 0 : count - (int)elapsed;
    }

    /**
     * Redis's idle score of an LFU entry: the lower its decayed count, the better a victim.
     */
    private int idleOf(final long entry)
    {
        return LfuCounter.MAX - decayedCount(entry);
    }

    private long memberAt(final int position)
    {
        return members.getLong(position * MEMBER_LENGTH);
    }

    private long hashAt(final int position)
    {
        return members.getLong(position * MEMBER_LENGTH + HASH_IN_MEMBER);
    }

    private int positionOf(final int slot)
    {
        return slots.getInt(slot * stride + POSITION_OFFSET);
    }

    private void place(final long entry, final long hash, final int position)
    {
        members.putLong(position * MEMBER_LENGTH, entry);
        members.putLong(position * MEMBER_LENGTH + HASH_IN_MEMBER, hash);
        slots.putInt(slotOf(entry) * stride + POSITION_OFFSET, position);
    }

    /**
     * The key hash of a slot that joins the order, read from its record, which the writer has just written.
     */
    private long recordHash(final int slot)
    {
        return slots.getLong(slot * stride + HASH_OFFSET);
    }

    private boolean isMember(final int slot)
    {
        final int position = positionOf(slot);
        return position >= 0 && position < memberCount && slotOf(memberAt(position)) == slot;
    }

    /**
     * @return the member entry of a slot of the order (counter, period of the last access, slot).
     */
    long memberEntry(final int slot)
    {
        return memberAt(positionOf(slot));
    }

    public void insertNew(final int slot)
    {
        place(entry(slot, LfuCounter.INITIAL), recordHash(slot), memberCount++);
    }

    public void access(final int slot)
    {
        final int position = positionOf(slot);
        final int count = LfuCounter.increment(decayedCount(memberAt(position)), nextRandom(), logFactor);
        members.putLong(position * MEMBER_LENGTH, entry(slot, count));
    }

    /**
     * Takes a slot out; its entry is kept in the slot record so that {@link #reinsertAccessed} restores its count.
     */
    public void remove(final int slot)
    {
        final int position = positionOf(slot);
        slots.putLong(slot * stride + DETACHED_LFU_OFFSET, memberAt(position));
        final int lastPosition = --memberCount;
        final long last = memberAt(lastPosition);
        if (slotOf(last) != slot)
        {
            place(last, hashAt(lastPosition), position);
        }
        slots.putInt(slot * stride + POSITION_OFFSET, NONE);
    }

    public void reinsertAccessed(final int slot)
    {
        place(slots.getLong(slot * stride + DETACHED_LFU_OFFSET), recordHash(slot), memberCount++);
        access(slot);
    }

    public int selectVictim()
    {
        if (0 == memberCount)
        {
            return NONE;
        }
        for (int round = 0; round < 2; round++)
        {
            populatePool();
            for (int k = POOL_SIZE - 1; k >= 0; k--)
            {
                final int slot = poolSlots[k];
                if (NONE != slot)
                {
                    final long hash = poolHashes[k];
                    final int pooledIdle = poolIdle[k];
                    emptyPoolEntry(k);
                    if (isMember(slot) && hashAt(positionOf(slot)) == hash &&
                        !(sweep && idleOf(memberAt(positionOf(slot))) < pooledIdle))
                    {
                        victimHash = hash;
                        return slot;
                    }
                }
            }
        }
        throw new IllegalStateException("a fresh pool of " + memberCount + " members held no member");
    }

    public long victimHash(final int victim)
    {
        return victimHash;
    }

    /**
     * Offers {@code min(samples, members)} distinct members, drawn uniformly with Floyd's algorithm, to the pool.
     * The members are loaded together before any is offered, so their (random, usually uncached) loads overlap
     * instead of waiting for one another behind the pool's comparisons.
     */
    private void populatePool()
    {
        final int count = Math.min(samples, memberCount);
        if (sweep)
        {
            drawPositions(count);
            hand = drawn[count - 1] + 1;
        }
        else if (drawnFrom != random || drawnMemberCount != memberCount)
        {
            drawPositions(count);
            touched = touchBestCandidate();
        }
        random = drawnTo;
        for (int d = 0; d < count; d++)
        {
            drawnEntries[d] = memberAt(drawn[d]);
            drawnHashes[d] = hashAt(drawn[d]);
        }
        for (int d = 0; d < count; d++)
        {
            final long entry = drawnEntries[d];
            offer(slotOf(entry), drawnHashes[d], idleOf(entry), drawn[d]);
        }
    }

    /**
     * Draws the positions of the next round's samples into {@link #drawn} without advancing the replicated
     * generator (see {@link #drawnFrom}) or the hand.
     */
    private void drawPositions(final int count)
    {
        if (sweep)
        {
            int position = hand < memberCount ? hand : 0;
            for (int d = 0; d < count; d++)
            {
                drawn[d] = position;
                position = position + 1 < memberCount ? position + 1 : 0;
            }
            drawnTo = random;
            return;
        }
        final long before = random;
        drawnFrom = before;
        for (int j = memberCount - count, d = 0; j < memberCount; j++, d++)
        {
            final int t = nextInt(j + 1);
            int position = t;
            for (int i = 0; i < d; i++)
            {
                if (drawn[i] == t)
                {
                    position = j;
                    break;
                }
            }
            drawn[d] = position;
        }
        drawnTo = random;
        random = before;
        drawnMemberCount = memberCount;
    }

    /**
     * Loads the pool's best candidate (see {@link #touchBestCandidate()}) and the members the next round of
     * sampling would draw now: the round's positions are drawn ahead from a copy of the generator's state, and
     * reused by that round if nothing drew or changed the membership in between (a put of a new key), so the
     * samples' cache misses overlap with the candidate's and with the new key's lookup instead of following them.
     */
    public int touchNextVictim()
    {
        final int count = Math.min(samples, memberCount);
        drawPositions(count);
        int sum = touchBestCandidate();
        for (int d = 0; d < count; d++)
        {
            sum += (int)memberAt(drawn[d]);
        }
        return sum;
    }

    /**
     * Loads (and otherwise ignores) the slot record, the index bucket and the member of the pool's best candidate,
     * the likely victim, so that its cache misses overlap with one another and with the samples' instead of
     * following them: the member is loaded where it was sampled, not where its record says it is now, so that no
     * load waits for another. Reads only; a ghost's record is as safe to read as any other.
     *
     * @return a value derived from the loads.
     */
    private int touchBestCandidate()
    {
        for (int k = POOL_SIZE - 1; k >= 0; k--)
        {
            final int slot = poolSlots[k];
            if (NONE != slot)
            {
                final int hint = poolPositionHints[k];
                return slots.getInt(slot * stride + POSITION_OFFSET) + index.firstWord(poolHashes[k]) +
                    (hint < memberCount ? (int)memberAt(hint) : 0);
            }
        }
        return 0;
    }

    /**
     * Redis's pool insertion: the pool is sorted by idle, ascending, best victim last; a candidate less idle than
     * every one of a full pool is dropped; otherwise it goes before the first candidate at least as idle, shifting
     * the rest right if there is room, or the less idle ones left (dropping the least idle) if not. A candidate is
     * named by its slot and key hash (from its member, so no slot record is read).
     */
    private void offer(final int slot, final long hash, final int idle, final int positionHint)
    {
        int k = 0;
        while (k < POOL_SIZE && NONE != poolSlots[k] && poolIdle[k] < idle)
        {
            k++;
        }
        final boolean full = NONE != poolSlots[POOL_SIZE - 1];
        if (0 == k && full)
        {
            return;
        }
        if (k == POOL_SIZE || NONE != poolSlots[k])
        {
            if (!full)
            {
                shift(k, k + 1, POOL_SIZE - k - 1);
            }
            else
            {
                k--;
                shift(1, 0, k);
            }
        }
        poolSlots[k] = slot;
        poolHashes[k] = hash;
        poolIdle[k] = idle;
        poolPositionHints[k] = positionHint;
    }

    private void shift(final int from, final int to, final int length)
    {
        System.arraycopy(poolSlots, from, poolSlots, to, length);
        System.arraycopy(poolHashes, from, poolHashes, to, length);
        System.arraycopy(poolIdle, from, poolIdle, to, length);
        System.arraycopy(poolPositionHints, from, poolPositionHints, to, length);
    }

    private void emptyPoolEntry(final int k)
    {
        poolSlots[k] = NONE;
        poolHashes[k] = 0;
        poolIdle[k] = 0;
        poolPositionHints[k] = 0;
    }

    /** Iteration runs through the member array, the order samples are drawn from. */
    public int first()
    {
        return 0 == memberCount ? NONE : slotOf(memberAt(0));
    }

    public int next(final int slot)
    {
        final int position = positionOf(slot) + 1;
        return position < memberCount ? slotOf(memberAt(position)) : NONE;
    }

    public void advanceTime(final long now)
    {
        period = Math.max(period, LfuCounter.period(now, decayNanos));
    }

    public void clear()
    {
        memberCount = 0;
        hand = 0;
        for (int k = 0; k < POOL_SIZE; k++)
        {
            emptyPoolEntry(k);
        }
    }

    public int stateLength()
    {
        return POOL_STATE_OFFSET + POOL_SIZE * 16 + HAND_STATE_LENGTH;
    }

    public void writeState(final UnsafeBuffer buffer, final int offset)
    {
        buffer.putLong(offset, period);
        buffer.putLong(offset + 8, random);
        buffer.putLong(offset + 16, memberCount);
        for (int k = 0; k < POOL_SIZE; k++)
        {
            final int entry = offset + POOL_STATE_OFFSET + 16 * k;
            buffer.putInt(entry, poolSlots[k]);
            buffer.putInt(entry + 4, poolIdle[k]);
            buffer.putLong(entry + 8, poolHashes[k]);
        }
        buffer.putLong(offset + POOL_STATE_OFFSET + POOL_SIZE * 16, hand);
    }

    public void readState(final UnsafeBuffer buffer, final int offset)
    {
        period = buffer.getLong(offset);
        random = buffer.getLong(offset + 8);
        memberCount = (int)buffer.getLong(offset + 16);
        for (int k = 0; k < POOL_SIZE; k++)
        {
            final int entry = offset + POOL_STATE_OFFSET + 16 * k;
            poolSlots[k] = buffer.getInt(entry);
            poolIdle[k] = buffer.getInt(entry + 4);
            poolHashes[k] = buffer.getLong(entry + 8);
            poolPositionHints[k] = 0;
        }
        hand = (int)buffer.getLong(offset + POOL_STATE_OFFSET + POOL_SIZE * 16);
    }

    public void checksumState(final StateChecksum checksum)
    {
        checksum.update(period).update(random).update(memberCount).update(hand);
        for (int k = 0; k < POOL_SIZE; k++)
        {
            checksum.update(poolSlots[k]).update(poolIdle[k]).update(poolHashes[k]);
        }
        for (int position = 0; position < memberCount; position++)
        {
            checksum.update(memberAt(position)).update(hashAt(position));
        }
    }

    public UnsafeBuffer region()
    {
        return members;
    }
}
