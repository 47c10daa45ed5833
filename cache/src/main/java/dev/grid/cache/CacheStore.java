package dev.grid.cache;

import dev.grid.core.GridException;
import dev.grid.core.OffHeapMemory;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateChecksum;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

/**
 * The off-heap memory of one cache and every operation on it: slot records, an open-addressing hash index, and
 * blocks holding keys and values, all allocated at start and never grown. Only the writer thread calls the
 * mutating methods; {@link CacheReader}s read the same memory concurrently under the seqlock protocol described on
 * {@link CacheReader}.
 * <p>
 * Layout (all little-endian, cache-line aligned):
 * <ul>
 *     <li>records: {@code maxEntries} x ({@value #SLOT_LENGTH}-byte header, see the *_OFFSET constants, then the
 *     slot's home block of {@code blockSize} bytes), followed by the overflow blocks shared by longer entries;</li>
 *     <li>index: {@link HashIndex}, cache-line buckets of 4-byte words {@code tag << slotBits | slot} and an
 *     overflow count;</li>
 *     <li>an entry's key then value form one stream over its home block and then overflow blocks;</li>
 *     <li>block links: one int per block, the next block of the entry (or of the free list), -1 at the end;
 *     blocks at or beyond the first unused one hold stale links, on no chain;</li>
 *     <li>reader header: the epoch seqlock and the published log time, one cache line each;</li>
 *     <li>LFU only: the member array of {@link LfuOrder}, {@value LfuOrder#MEMBER_LENGTH} bytes per slot.</li>
 * </ul>
 */
final class CacheStore implements AutoCloseable
{
    static final int SLOT_LENGTH = 64;
    static final int VERSION_OFFSET = 0;
    static final int HASH_OFFSET = 8;
    static final int EXPIRE_AT_OFFSET = 16;
    static final int ENTRY_VERSION_OFFSET = 24;
    /** An LFU slot taken out of the order for a rewrite keeps its member entry here until it is put back. */
    static final int DETACHED_LFU_OFFSET = 32;
    /** A slot of the segmented LRU order keeps its segment here (that order has no detached members). */
    static final int SEGMENT_OFFSET = DETACHED_LFU_OFFSET;
    /**
     * Where the entry's index word is ({@link HashIndex#insert}), so that its removal need not search the bucket.
     * Writer only (readers never read it), a hint that the index checks before use.
     */
    static final int INDEX_WORD_OFFSET = 40;
    static final int KEY_LENGTH_OFFSET = 44;
    static final int VALUE_LENGTH_OFFSET = 48;
    static final int PREV_OFFSET = 52;
    /** A slot of the LFU order keeps its position in the member array in the prev field (it has no list links). */
    static final int POSITION_OFFSET = PREV_OFFSET;
    static final int NEXT_OFFSET = 56;
    static final int STATE_OFFSET = 60;

    static final int FREE = 0;
    static final int LIVE = 1;
    /** Live, in the admission window (W-TinyLFU); readers test the LIVE bit. */
    static final int LIVE_IN_WINDOW = 3;
    static final int NONE = -1;
    static final long NEVER = Long.MAX_VALUE;

    static final int EPOCH_OFFSET = 0;
    static final int LOG_TIME_OFFSET = 64;
    static final int HEADER_LENGTH = 128;

    private static final long SNAPSHOT_MAGIC = 0x4752_4944_4341_4348L;
    /**
     * Format 6: the LFU order's state ends with the sweep's hand (format 5, before it: slots and overflow blocks never
     * used since the last clear are on no free list but beyond the header's unused marks; format 4: with admission
     * over LRU the main order is segmented; format 3: the index is bucketed and an LFU member holds its key hash;
     * older formats are refused).
     */
    private static final int SNAPSHOT_FORMAT = 6;
    private static final int SNAPSHOT_HEADER_LENGTH = 136;

    final CacheContext context;
    final int maxEntries;
    final int maxKeyLength;
    final int maxValueLength;
    final int blockSize;
    final int stride;
    private final int overflowBase;
    final int blockCount;
    final UnsafeBuffer header;
    final UnsafeBuffer slots;
    final HashIndex index;
    final UnsafeBuffer blocks;
    final UnsafeBuffer blockLinks;
    private final OffHeapMemory[] memory;
    private final EvictionOrder order;
    private final FrequencySketch sketch;
    private final SlotLists window;
    private final WindowClimber climber;
    private int windowSize;
    private final UnsafeBuffer stateScratch;
    private final long defaultTtlNanos;
    private final int sweepBudget;

    private int entries;
    /** The free list holds slots freed since the last clear; slots from {@link #firstUnusedSlot} on are free too. */
    private int freeSlotHead;
    private int freeSlotCount;
    /**
     * Slots from here on have not been used since the last clear: their records are stale, on no list, and taken in
     * ascending order once the free list is empty, so a clear need not touch them.
     */
    private int firstUnusedSlot;
    private int freeBlockHead;
    private int freeBlockCount;
    /** As {@link #firstUnusedSlot}, for the overflow blocks. */
    private int firstUnusedBlock;
    private int sweepCursor;
    private int expiringEntries;
    private long now;
    private long hits;
    private long misses;
    private long evictions;
    private long expirations;
    private boolean closed;
    /** The sum of the loads that only bring memory into the cache early, kept so that they are not optimised away. */
    private int touched;

    CacheStore(final CacheContext context)
    {
        this.context = context.conclude();
        maxEntries = context.maxEntries();
        maxKeyLength = context.maxKeyLength();
        maxValueLength = context.maxValueLength();
        blockSize = context.blockSize();
        stride = SLOT_LENGTH + blockSize;
        blockCount = context.blockCount();
        defaultTtlNanos = context.defaultTtlNanos();
        sweepBudget = context.sweepBudget();

        memory = new OffHeapMemory[7];
        header = allocate(0, HEADER_LENGTH);
        overflowBase = maxEntries * stride;
        slots = allocate(1, overflowBase + (blockCount - maxEntries) * blockSize);
        blocks = slots;
        index = new HashIndex(allocate(2, context.indexBuckets() * HashIndex.BUCKET_LENGTH),
            allocate(6, context.indexBuckets() * HashIndex.SUMMARY_LENGTH), maxEntries);
        blockLinks = allocate(3, blockCount * Integer.BYTES);
        sketch = context.admission() ? new FrequencySketch(
            allocate(4, FrequencySketch.wordsFor(maxEntries) * Long.BYTES), maxEntries) : null;

        window = new SlotLists(slots, stride, 1);
        climber = new WindowClimber(maxEntries);
        if (CachePolicy.LFU == context.policy())
        {
            order = new LfuOrder(slots, stride, allocate(5, maxEntries * LfuOrder.MEMBER_LENGTH), index, context);
        }
        else
        {
            order = context.admission() ?
                new SegmentedLruOrder(slots, stride, index, climber, maxEntries) : new LruOrder(slots, stride, index);
        }
        stateScratch = new UnsafeBuffer(
            new byte[SNAPSHOT_HEADER_LENGTH + order.stateLength() + 16 + WindowClimber.STATE_LENGTH]);
        header.putLong(LOG_TIME_OFFSET, Long.MIN_VALUE);
        initialise();
    }

    private UnsafeBuffer allocate(final int region, final int length)
    {
        memory[region] = OffHeapMemory.allocate(length, context.hugePages());
        return memory[region].buffer();
    }

    /**
     * @return how many of the cache's off-heap regions the kernel accepted the huge page advice for.
     */
    int hugePageRegions()
    {
        int regions = 0;
        for (final OffHeapMemory region : memory)
        {
            regions += null != region && region.hugePagesAdvised() ? 1 : 0;
        }
        return regions;
    }

    /**
     * Empties the cache: every slot and block free, index and order empty. Only the index is written in full (about
     * 8 bytes per entry); the records and block links are left as they are, every slot and block marked unused, so
     * the stall of a clear on the writer (and of the readers, which wait for it) is the index's size, not the
     * records'. Slots and blocks are then taken in the order a fresh cache takes them.
     */
    private void initialise()
    {
        index.clear();
        freeSlotHead = NONE;
        freeSlotCount = maxEntries;
        firstUnusedSlot = 0;
        freeBlockHead = NONE;
        freeBlockCount = blockCount - maxEntries;
        firstUnusedBlock = maxEntries;
        sweepCursor = 0;
        entries = 0;
        expiringEntries = 0;
        order.clear();
        window.clear();
        windowSize = 0;
    }

    // ---------------------------------------------------------------- time

    /**
     * Log time reached {@code timestamp}: publish it for readers, age LFU counts. Time never goes backwards.
     */
    void advanceTime(final long timestamp)
    {
        if (timestamp > now)
        {
            now = timestamp;
            header.putLongRelease(LOG_TIME_OFFSET, timestamp);
            order.advanceTime(timestamp);
        }
    }

    long now()
    {
        return now;
    }

    /**
     * The incremental TTL sweep: examines the next {@code sweepBudget} slots in slot order and expires what is due.
     * Skipped (cursor unmoved) while no live entry has a TTL.
     */
    void sweep()
    {
        if (0 == expiringEntries)
        {
            return;
        }
        for (int i = 0; i < sweepBudget; i++)
        {
            final int slot = sweepCursor;
            sweepCursor = slot + 1 == maxEntries ? 0 : slot + 1;
            final int offset = slot * stride;
            if (slot < firstUnusedSlot && 0 != (slots.getInt(offset + STATE_OFFSET) & LIVE) &&
                slots.getLong(offset + EXPIRE_AT_OFFSET) <= now)
            {
                removeEntry(slot);
                expirations++;
            }
        }
    }

    /**
     * @param ttlNanos 0 for the cache's default, else a positive TTL.
     * @return the log time the entry expires at, {@link #NEVER} for none.
     */
    long expireAt(final long ttlNanos)
    {
        final long ttl = 0 == ttlNanos ? defaultTtlNanos : ttlNanos;
        if (0 == ttl)
        {
            return NEVER;
        }
        final long expireAt = now + ttl;
        return expireAt < now ? NEVER : expireAt;
    }

    // ---------------------------------------------------------------- lookups (writer)

    /**
     * @return the live slot holding the key, or NONE; an entry found expired is removed (counted as expired).
     */
    int lookup(final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final int slot = find(hash, key, keyOffset, keyLength);
        if (NONE != slot && slots.getLong(slot * stride + EXPIRE_AT_OFFSET) <= now)
        {
            removeEntry(slot);
            expirations++;
            return NONE;
        }
        return slot;
    }

    /**
     * Called before the lookup of a write that may insert: when no slot is free, starts the loads of the likely
     * victim's record and index bucket ({@link EvictionOrder#touchNextVictim()}), so that their cache misses overlap
     * with the lookup's instead of following them. Changes no replicated state.
     */
    void prepareWrite()
    {
        if (0 == freeSlotCount)
        {
            touched += order.touchNextVictim();
        }
    }

    /**
     * @return the slot holding the key whether or not it expired, or NONE; changes nothing.
     */
    int find(final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return probe(hash, key, keyOffset, keyLength);
    }

    /**
     * @return the first live, unexpired slot whose key has this hash (access hints name keys by hash), or NONE.
     */
    int findByHash(final long hash)
    {
        return probe(hash, null, 0, 0);
    }

    /**
     * Walks the key's probe sequence: with a key, to the slot holding that key; without (null), to the first
     * unexpired slot with that hash. A key's lookup compares only the words whose summary fingerprint matches: it
     * precedes a write that may insert, which stores a fingerprint, so the summary is loaded anyway (and the home
     * bucket's load is started before the summary's answer, so that the two cache misses overlap). A lookup by hash
     * (access hints, of keys mostly present) compares every word instead: the summary would be one more cache miss.
     */
    private int probe(final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        touched += index.firstWord(hash);
        final int tag = index.tag(hash);
        int bucket = index.home(hash);
        for (int visited = 0; visited < index.buckets(); visited++, bucket = index.next(bucket))
        {
            int candidates = null == key ? HashIndex.ALL_WORDS : index.candidates(bucket, tag);
            for (; 0 != candidates; candidates &= candidates - 1)
            {
                final int slot = index.slotIfTagged(bucket, Integer.numberOfTrailingZeros(candidates), tag);
                final int offset = slot * stride;
                if (slot >= 0 && slots.getLong(offset + HASH_OFFSET) == hash && (null == key ?
                    slots.getLong(offset + EXPIRE_AT_OFFSET) > now :
                    slots.getInt(offset + KEY_LENGTH_OFFSET) == keyLength &&
                    1 == streamEquals(slot, key, keyOffset, keyLength)))
                {
                    return slot;
                }
            }
            if (!index.overflows(bucket))
            {
                return NONE;
            }
        }
        return NONE;
    }

    // ---------------------------------------------------------------- policy and stats

    void hit(final int slot)
    {
        hits++;
        policyAccess(slot);
        recordFrequency(slot);
        if (null != sketch)
        {
            climber.onHit();
        }
    }

    private void recordFrequency(final int slot)
    {
        if (null != sketch)
        {
            sketch.increment(slots.getLong(slot * stride + HASH_OFFSET));
        }
    }

    void miss()
    {
        misses++;
        if (null != sketch)
        {
            climber.onMiss();
        }
    }

    // ---------------------------------------------------------------- admission window (W-TinyLFU)

    private boolean inWindow(final int slot)
    {
        return LIVE_IN_WINDOW == slots.getInt(slot * stride + STATE_OFFSET);
    }

    private void policyAccess(final int slot)
    {
        if (inWindow(slot))
        {
            if (window.head(0) != slot)
            {
                window.unlink(0, slot);
                window.pushHead(0, slot);
            }
        }
        else
        {
            order.access(slot);
        }
    }

    private void policyDetach(final int slot)
    {
        if (inWindow(slot))
        {
            window.unlink(0, slot);
            windowSize--;
        }
        else
        {
            order.remove(slot);
        }
    }

    private void policyReattachAccessed(final int slot)
    {
        if (inWindow(slot))
        {
            window.pushHead(0, slot);
            windowSize++;
        }
        else
        {
            order.reinsertAccessed(slot);
        }
    }

    /**
     * A new entry: with admission it enters the window (most recent); then, as in Caffeine, a window over its
     * capacity passes its oldest entries to the main order and a window under it takes the main order's next
     * victims, so that a window the climber grows keeps what it takes instead of evicting it. Without admission it
     * enters the main order.
     */
    private void policyInsertNew(final int slot)
    {
        if (null == sketch)
        {
            order.insertNew(slot);
            return;
        }
        window.pushHead(0, slot);
        windowSize++;
        // At most two entries move per insert, either way: bounded work per command. The climber moves the
        // capacity by at most 6.25% of maxEntries per sample of 10 x maxEntries accesses, so the window keeps up.
        for (int i = 0; i < 2 && windowSize > climber.windowCapacity(); i++)
        {
            moveToMain(window.tail(0));
        }
        for (int i = 0; i < 2 && windowSize < climber.windowCapacity() && NONE != order.first(); i++)
        {
            moveToWindow(order.selectVictim());
        }
    }

    private void moveToWindow(final int slot)
    {
        order.remove(slot);
        slots.putInt(slot * stride + STATE_OFFSET, LIVE_IN_WINDOW);
        window.pushHead(0, slot);
        windowSize++;
    }

    private void moveToMain(final int slot)
    {
        window.unlink(0, slot);
        windowSize--;
        slots.putInt(slot * stride + STATE_OFFSET, LIVE);
        order.insertNew(slot);
    }

    /**
     * Evicts one entry. Without admission: the main order's victim. With admission (W-TinyLFU): the window's oldest
     * entry is the candidate against the main order's victim. If the sketch finds the candidate more frequent, the
     * victim is evicted and the candidate moves on to the main order, or stays in a window under its capacity (as in
     * Caffeine); otherwise the candidate is evicted.
     */
    private void evictOne()
    {
        final int victim = order.selectVictim();
        final long victimHash = NONE == victim ? 0 : order.victimHash(victim);
        if (null != sketch)
        {
            final int candidate = window.tail(0);
            if (NONE != candidate)
            {
                final long candidateHash = slots.getLong(candidate * stride + HASH_OFFSET);
                if (NONE != victim && sketch.frequency(candidateHash) > sketch.frequency(victimHash))
                {
                    removeEntry(victim, victimHash);
                    evictions++;
                    if (windowSize >= climber.windowCapacity())
                    {
                        moveToMain(candidate);
                    }
                }
                else
                {
                    removeEntry(candidate, candidateHash);
                    evictions++;
                }
                return;
            }
        }
        if (NONE == victim)
        {
            throw new IllegalStateException("budget invariant broken: nothing left to evict");
        }
        removeEntry(victim, victimHash);
        evictions++;
    }

    // ---------------------------------------------------------------- writes

    /**
     * Inserts a new key, evicting by policy until both budgets have room. The caller checked the key is absent and
     * the sizes are within the limits.
     *
     * @return the new slot.
     */
    int insert(
        final long hash,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long expireAt,
        final long entryVersion)
    {
        final int blocksNeeded = context.blocksFor(keyLength + valueLength);
        makeRoom(blocksNeeded - 1, 1);
        final int slot = takeSlot();
        final int offset = slot * stride;
        // A slot taken has no overflow blocks (takeSlot), so a one-block entry leaves its link alone: writing it
        // would be a cache miss on every put with eviction whose victim lies far from the last one.
        assert NONE == blockLinks.getInt(slot * Integer.BYTES) : "a free slot with overflow blocks";
        if (blocksNeeded > 1)
        {
            blockLinks.putInt(slot * Integer.BYTES, takeBlocks(blocksNeeded - 1));
        }

        beginWrite(offset);
        slots.putLong(offset + HASH_OFFSET, hash);
        slots.putLong(offset + EXPIRE_AT_OFFSET, expireAt);
        expiringEntries += NEVER == expireAt ? 0 : 1;
        slots.putLong(offset + ENTRY_VERSION_OFFSET, entryVersion);
        slots.putInt(offset + KEY_LENGTH_OFFSET, keyLength);
        slots.putInt(offset + VALUE_LENGTH_OFFSET, valueLength);
        slots.putInt(offset + STATE_OFFSET, null == sketch ? LIVE : LIVE_IN_WINDOW);
        writeStream(slot, 0, key, keyOffset, keyLength);
        writeStream(slot, keyLength, value, valueOffset, valueLength);
        endWrite(offset);

        slots.putInt(offset + INDEX_WORD_OFFSET, index.insert(hash, slot));
        policyInsertNew(slot);
        recordFrequency(slot);
        entries++;
        return slot;
    }

    /**
     * Rewrites a live slot's value in place, growing or shrinking its block chain; the rewrite counts as an access.
     * The slot is out of the eviction order while room is made, so it never evicts itself.
     */
    void replace(
        final int slot,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long expireAt,
        final long entryVersion)
    {
        final int growth = context.blocksFor(slots.getInt(slot * stride + KEY_LENGTH_OFFSET) + valueLength) -
            blocksOf(slot);
        policyDetach(slot);
        if (growth > 0)
        {
            makeRoom(growth, 0);
        }
        rewriteAndReattach(slot, value, valueOffset, valueLength, expireAt, entryVersion);
    }

    /**
     * Takes a live slot out of the eviction order, so that making room cannot evict it; {@link #rewriteDetached}
     * and {@link EvictionOrder#reinsertAccessed} put it back.
     */
    void detach(final int slot)
    {
        policyDetach(slot);
    }

    /**
     * Rewrites the value of a detached slot and puts it back in the order as accessed. Room for a longer value
     * must have been made.
     */
    void rewriteAndReattach(
        final int slot,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long expireAt,
        final long entryVersion)
    {
        rewriteDetached(slot, value, valueOffset, valueLength, expireAt, entryVersion);
        policyReattachAccessed(slot);
        recordFrequency(slot);
    }

    private void rewriteDetached(
        final int slot,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long expireAt,
        final long entryVersion)
    {
        final int offset = slot * stride;
        final int keyLength = slots.getInt(offset + KEY_LENGTH_OFFSET);
        final int oldBlocks = context.blocksFor(keyLength + slots.getInt(offset + VALUE_LENGTH_OFFSET));
        final int newBlocks = context.blocksFor(keyLength + valueLength);
        beginWrite(offset);
        if (newBlocks != oldBlocks)
        {
            resizeChain(slot, oldBlocks, newBlocks);
        }
        expiringEntries += (NEVER == expireAt ? 0 : 1) -
            (NEVER == slots.getLong(offset + EXPIRE_AT_OFFSET) ? 0 : 1);
        slots.putLong(offset + EXPIRE_AT_OFFSET, expireAt);
        slots.putLong(offset + ENTRY_VERSION_OFFSET, entryVersion);
        slots.putInt(offset + VALUE_LENGTH_OFFSET, valueLength);
        writeStream(slot, keyLength, value, valueOffset, valueLength);
        endWrite(offset);
    }

    /**
     * Rewrites an 8-byte value in place (increment): same blocks, new version; counts as an access.
     */
    void writeCounter(final int slot, final long counter, final long entryVersion)
    {
        final int offset = slot * stride;
        beginWrite(offset);
        slots.putLong(offset + ENTRY_VERSION_OFFSET, entryVersion);
        final int keyLength = slots.getInt(offset + KEY_LENGTH_OFFSET);
        int block = slot;
        int position = keyLength;
        for (int i = 0; i < Long.BYTES; i++, position++)
        {
            while (position >= blockSize)
            {
                block = blockLinks.getInt(block * Integer.BYTES);
                position -= blockSize;
            }
            blocks.putByte(blockOffset(block) + position, (byte)(counter >>> (8 * i)));
        }
        endWrite(offset);
        policyAccess(slot);
        recordFrequency(slot);
    }

    void remove(final int slot)
    {
        removeEntry(slot);
    }

    /**
     * Evicts by policy until {@code blocksNeeded} blocks and {@code slotsNeeded} slots are free. Callers never ask
     * for more than the budgets (checked at configuration and before any mutation), so this always succeeds, after
     * at most {@code blocksNeeded + slotsNeeded} evictions.
     */
    void makeRoom(final int blocksNeeded, final int slotsNeeded)
    {
        while (freeBlockCount < blocksNeeded || freeSlotCount < slotsNeeded)
        {
            evictOne();
        }
    }

    /**
     * @return the first slot of the replicated order: the admission window from its oldest entry, then the main
     * order in its iteration order (LRU: from its victim; LFU: the member array); NONE if empty.
     */
    int firstInOrder()
    {
        return windowSize > 0 ? window.tail(0) : order.first();
    }

    int nextInOrder(final int slot)
    {
        if (inWindow(slot))
        {
            final int newer = window.prev(slot);
            return NONE != newer ? newer : order.first();
        }
        return order.next(slot);
    }

    EvictionOrder order()
    {
        return order;
    }

    int freeBlocks()
    {
        return freeBlockCount;
    }

    int freeSlots()
    {
        return freeSlotCount;
    }

    void clear()
    {
        final long epoch = header.getLong(EPOCH_OFFSET);
        header.putLong(EPOCH_OFFSET, epoch + 1);
        VarHandle.storeStoreFence();
        initialise();
        header.putLongRelease(EPOCH_OFFSET, epoch + 2);
    }

    private void removeEntry(final int slot)
    {
        removeEntry(slot, slots.getLong(slot * stride + HASH_OFFSET));
    }

    /**
     * @param hash the slot's key hash, passed by a caller that has it without reading the record (an eviction),
     *             so the index removal does not wait for the record's cache miss.
     */
    private void removeEntry(final int slot, final long hash)
    {
        final int offset = slot * stride;
        final int blockTotal = context.blocksFor(
            slots.getInt(offset + KEY_LENGTH_OFFSET) + slots.getInt(offset + VALUE_LENGTH_OFFSET));
        policyDetach(slot);
        beginWrite(offset);
        index.remove(hash, slot, slots.getInt(offset + INDEX_WORD_OFFSET));
        if (blockTotal > 1)
        {
            releaseBlocks(blockLinks.getInt(slot * Integer.BYTES), blockTotal - 1);
            blockLinks.putInt(slot * Integer.BYTES, NONE);
        }
        expiringEntries -= NEVER == slots.getLong(offset + EXPIRE_AT_OFFSET) ? 0 : 1;
        slots.putInt(offset + STATE_OFFSET, FREE);
        slots.putInt(offset + PREV_OFFSET, NONE);
        slots.putInt(offset + NEXT_OFFSET, freeSlotHead);
        endWrite(offset);
        freeSlotHead = slot;
        freeSlotCount++;
        entries--;
    }

    private void beginWrite(final int slotOffset)
    {
        slots.putLong(slotOffset + VERSION_OFFSET, slots.getLong(slotOffset + VERSION_OFFSET) + 1);
        VarHandle.storeStoreFence();
    }

    private void endWrite(final int slotOffset)
    {
        slots.putLongRelease(slotOffset + VERSION_OFFSET, slots.getLong(slotOffset + VERSION_OFFSET) + 1);
    }

    // ---------------------------------------------------------------- blocks

    /**
     * Block {@code b < maxEntries} is slot b's home block, right behind its header in the same record, so a short
     * entry's header, key and value share a page; the others form the overflow slab after the records.
     */
    int blockOffset(final int block)
    {
        return block < maxEntries ? block * stride + SLOT_LENGTH : overflowBase + (block - maxEntries) * blockSize;
    }

    /**
     * A free slot, whose link is NONE (it owns no overflow blocks): the last one freed, else the first unused (a
     * fresh cache's order either way).
     */
    private int takeSlot()
    {
        final int slot;
        if (NONE != freeSlotHead)
        {
            slot = freeSlotHead;
            freeSlotHead = slots.getInt(slot * stride + NEXT_OFFSET);
        }
        else
        {
            assert firstUnusedSlot < maxEntries : "no free slot";
            slot = firstUnusedSlot++;
            // The only link a clear leaves stale (and fresh memory holds 0): a freed slot's is already NONE.
            blockLinks.putInt(slot * Integer.BYTES, NONE);
        }
        freeSlotCount--;
        return slot;
    }

    /**
     * @return the first of {@code count} free blocks chained by their links, the last linked to NONE: the free list's
     * blocks first, then unused ones.
     */
    private int takeBlocks(final int count)
    {
        final int first = takeBlock();
        int last = first;
        for (int i = 1; i < count; i++)
        {
            final int next = takeBlock();
            blockLinks.putInt(last * Integer.BYTES, next);
            last = next;
        }
        blockLinks.putInt(last * Integer.BYTES, NONE);
        freeBlockCount -= count;
        return first;
    }

    private int takeBlock()
    {
        if (NONE != freeBlockHead)
        {
            final int block = freeBlockHead;
            freeBlockHead = blockLinks.getInt(block * Integer.BYTES);
            return block;
        }
        assert firstUnusedBlock < blockCount : "no free block";
        return firstUnusedBlock++;
    }

    private void releaseBlocks(final int first, final int count)
    {
        int last = first;
        for (int i = 1; i < count; i++)
        {
            last = blockLinks.getInt(last * Integer.BYTES);
        }
        blockLinks.putInt(last * Integer.BYTES, freeBlockHead);
        freeBlockHead = first;
        freeBlockCount += count;
    }

    private void resizeChain(final int first, final int oldBlocks, final int newBlocks)
    {
        int last = first;
        for (int i = 1; i < Math.min(oldBlocks, newBlocks); i++)
        {
            last = blockLinks.getInt(last * Integer.BYTES);
        }
        final int rest = blockLinks.getInt(last * Integer.BYTES);
        if (newBlocks > oldBlocks)
        {
            blockLinks.putInt(last * Integer.BYTES, takeBlocks(newBlocks - oldBlocks));
        }
        else
        {
            blockLinks.putInt(last * Integer.BYTES, NONE);
            releaseBlocks(rest, oldBlocks - newBlocks);
        }
    }

    private void writeStream(
        final int slot, final int position, final DirectBuffer source, final int offset, final int length)
    {
        int block = slot;
        int blockPosition = position;
        while (blockPosition >= blockSize)
        {
            block = blockLinks.getInt(block * Integer.BYTES);
            blockPosition -= blockSize;
        }
        int sourceOffset = offset;
        int remaining = length;
        while (remaining > 0)
        {
            final int chunk = Math.min(remaining, blockSize - blockPosition);
            blocks.putBytes(blockOffset(block) + blockPosition, source, sourceOffset, chunk);
            sourceOffset += chunk;
            remaining -= chunk;
            blockPosition = 0;
            if (remaining > 0)
            {
                block = blockLinks.getInt(block * Integer.BYTES);
            }
        }
    }

    /**
     * Copies {@code length} bytes of a slot's stream from {@code position}. Safe on a chain that a concurrent
     * writer is changing: every block number is range-checked before it is used. A live slot's stream starts in
     * its home block, whose number is the slot's, so the first block's address needs no load from the slot header
     * (a reader's key and value loads start while the header is still on its way from memory).
     *
     * @param slot a slot number below maxEntries.
     * @return false if the chain was inconsistent (only possible for a concurrent reader, which then retries).
     */
    boolean readStream(
        final int slot,
        final int position,
        final MutableDirectBuffer destination,
        final int destinationOffset,
        final int length)
    {
        int block = slot;
        int blockPosition = position;
        while (blockPosition >= blockSize)
        {
            if (block < 0 || block >= blockCount)
            {
                return false;
            }
            block = blockLinks.getInt(block * Integer.BYTES);
            blockPosition -= blockSize;
        }
        int destinationPosition = destinationOffset;
        int remaining = length;
        while (remaining > 0)
        {
            if (block < 0 || block >= blockCount)
            {
                return false;
            }
            final int chunk = Math.min(remaining, blockSize - blockPosition);
            blocks.getBytes(blockOffset(block) + blockPosition, destination, destinationPosition, chunk);
            destinationPosition += chunk;
            remaining -= chunk;
            blockPosition = 0;
            if (remaining > 0)
            {
                block = blockLinks.getInt(block * Integer.BYTES);
            }
        }
        return true;
    }

    /**
     * Compares the key at the start of a slot's stream (from its home block, as {@link #readStream}). Safe on a
     * chain a concurrent writer is changing.
     *
     * @param slot a slot number below maxEntries.
     * @return 1 if equal, 0 if not, -1 if the chain was inconsistent.
     */
    int streamEquals(final int slot, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        int block = slot;
        int keyPosition = keyOffset;
        int remaining = keyLength;
        while (remaining > 0)
        {
            if (block < 0 || block >= blockCount)
            {
                return -1;
            }
            final int chunk = Math.min(remaining, blockSize);
            final int base = blockOffset(block);
            int i = 0;
            for (; i + Long.BYTES <= chunk; i += Long.BYTES)
            {
                if (blocks.getLong(base + i) != key.getLong(keyPosition + i))
                {
                    return 0;
                }
            }
            for (; i < chunk; i++)
            {
                if (blocks.getByte(base + i) != key.getByte(keyPosition + i))
                {
                    return 0;
                }
            }
            keyPosition += chunk;
            remaining -= chunk;
            if (remaining > 0)
            {
                block = blockLinks.getInt(block * Integer.BYTES);
            }
        }
        return 1;
    }

    // ---------------------------------------------------------------- slot fields

    boolean isExpired(final int slot)
    {
        return slots.getLong(slot * stride + EXPIRE_AT_OFFSET) <= now;
    }

    int blocksOf(final int slot)
    {
        final int offset = slot * stride;
        return context.blocksFor(
            slots.getInt(offset + KEY_LENGTH_OFFSET) + slots.getInt(offset + VALUE_LENGTH_OFFSET));
    }

    long entryVersion(final int slot)
    {
        return slots.getLong(slot * stride + ENTRY_VERSION_OFFSET);
    }

    int valueLength(final int slot)
    {
        return slots.getInt(slot * stride + VALUE_LENGTH_OFFSET);
    }

    void copyValue(final int slot, final MutableDirectBuffer destination, final int destinationOffset)
    {
        final int offset = slot * stride;
        readStream(
            slot,
            slots.getInt(offset + KEY_LENGTH_OFFSET),
            destination,
            destinationOffset,
            slots.getInt(offset + VALUE_LENGTH_OFFSET));
    }

    /**
     * @return the 8-byte little-endian value of a slot whose value is 8 bytes long.
     */
    long readCounter(final int slot, final MutableDirectBuffer scratch)
    {
        copyValue(slot, scratch, 0);
        return scratch.getLong(0, java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    // ---------------------------------------------------------------- stats

    int entries()
    {
        return entries;
    }

    long bytesUsed()
    {
        return (long)(entries + blockCount - maxEntries - freeBlockCount) * blockSize;
    }

    long hits()
    {
        return hits;
    }

    long misses()
    {
        return misses;
    }

    long evictions()
    {
        return evictions;
    }

    long expirations()
    {
        return expirations;
    }

    // ---------------------------------------------------------------- checksum, snapshot

    /**
     * Feeds the replicated state to a checksum: counters and free lists, the eviction order's state, then every
     * live entry in the order's iteration order (slot, hash, expiry, version, key and value bytes). Equal
     * checksums mean equal contents, equal LRU order, equal LFU member arrays, counts, pools and random state.
     */
    long checksum(final StateChecksum checksum)
    {
        checksum.reset()
            .update(entries).update(freeSlotHead).update(freeSlotCount).update(firstUnusedSlot)
            .update(freeBlockHead).update(freeBlockCount).update(firstUnusedBlock)
            .update(sweepCursor).update(expiringEntries).update(now)
            .update(hits).update(misses).update(evictions).update(expirations);
        order.checksumState(checksum);
        checksum.update(windowSize).update(window.head(0)).update(window.tail(0));
        climber.checksum(checksum);
        if (null != sketch)
        {
            sketch.checksum(checksum);
        }
        for (int slot = firstInOrder(); NONE != slot; slot = nextInOrder(slot))
        {
            final int offset = slot * stride;
            checksum.update(slot)
                .update(slots.getLong(offset + HASH_OFFSET))
                .update(slots.getLong(offset + EXPIRE_AT_OFFSET))
                .update(slots.getLong(offset + ENTRY_VERSION_OFFSET));
            final int length = slots.getInt(offset + KEY_LENGTH_OFFSET) + slots.getInt(offset + VALUE_LENGTH_OFFSET);
            int block = slot;
            for (int position = 0; position < length; position += blockSize)
            {
                checksum.update(block).update(blocks, blockOffset(block), Math.min(blockSize, length - position));
                block = blockLinks.getInt(block * Integer.BYTES);
            }
        }
        return checksum.value();
    }

    /**
     * Writes the whole state: a header (geometry, counters, order state), then the records (slots and blocks),
     * index, block links and sketch as they are, so a restore is byte-identical.
     */
    void snapshot(final SnapshotWriter writer)
    {
        stateScratch.putLong(0, SNAPSHOT_MAGIC);
        stateScratch.putInt(8, SNAPSHOT_FORMAT);
        stateScratch.putInt(12, context.policy().ordinal());
        stateScratch.putInt(16, maxEntries);
        stateScratch.putInt(20, blockSize);
        stateScratch.putInt(24, blockCount);
        stateScratch.putInt(28, index.buckets());
        stateScratch.putInt(32, maxKeyLength);
        stateScratch.putInt(36, maxValueLength);
        stateScratch.putInt(40, entries);
        stateScratch.putInt(44, freeSlotHead);
        stateScratch.putInt(48, freeSlotCount);
        stateScratch.putInt(52, freeBlockHead);
        stateScratch.putInt(56, freeBlockCount);
        stateScratch.putInt(60, sweepCursor);
        stateScratch.putLong(64, now);
        stateScratch.putLong(72, hits);
        stateScratch.putLong(80, misses);
        stateScratch.putLong(88, evictions);
        stateScratch.putLong(96, expirations);
        stateScratch.putLong(104, expiringEntries);
        stateScratch.putLong(112, 0);
        if (null != sketch)
        {
            sketch.writeState(stateScratch, 112);
        }
        stateScratch.putInt(120, null == sketch ? 0 : 1);
        stateScratch.putInt(124, firstUnusedSlot);
        stateScratch.putInt(128, firstUnusedBlock);
        stateScratch.putInt(132, 0);
        order.writeState(stateScratch, SNAPSHOT_HEADER_LENGTH);
        stateScratch.putInt(SNAPSHOT_HEADER_LENGTH + order.stateLength(), windowSize);
        window.writeState(stateScratch, SNAPSHOT_HEADER_LENGTH + order.stateLength() + 8);
        climber.writeState(stateScratch, SNAPSHOT_HEADER_LENGTH + order.stateLength() + 16);
        writer.write(stateScratch, 0, stateScratch.capacity());
        writer.write(slots, 0, slots.capacity());
        writer.write(index.region(), 0, index.region().capacity());
        writer.write(blockLinks, 0, blockLinks.capacity());
        if (null != sketch)
        {
            writer.write(sketch.table(), 0, sketch.table().capacity());
        }
        if (null != order.region())
        {
            writer.write(order.region(), 0, order.region().capacity());
        }
    }

    /**
     * Replaces the state with a snapshot of a cache of the same configuration. The header is read and checked
     * before anything is overwritten: a snapshot of another geometry, or one too short, is refused with MALFORMED
     * and leaves the cache as it was.
     */
    void restore(final SnapshotReader reader)
    {
        if (reader.remaining() < stateScratch.capacity())
        {
            throw new GridException(Status.MALFORMED, "cache snapshot has " + reader.remaining() +
                " bytes, fewer than its header's " + stateScratch.capacity());
        }
        reader.readFully(stateScratch, 0, stateScratch.capacity());
        if (stateScratch.getLong(0) != SNAPSHOT_MAGIC)
        {
            throw new GridException(Status.MALFORMED, "not a cache snapshot");
        }
        final int format = stateScratch.getInt(8);
        if (format != SNAPSHOT_FORMAT)
        {
            throw new GridException(Status.MALFORMED, "cache snapshot format " + format + " cannot be restored: " +
                "this build reads format " + SNAPSHOT_FORMAT + " (format 3 changed the index and the LFU member " +
                "array, format 4 the main order of admission over LRU, format 5 how free slots and blocks are " +
                "kept, format 6 added the LFU's sweep hand); install a snapshot taken by a node of this build");
        }
        if (stateScratch.getInt(12) != context.policy().ordinal() || stateScratch.getInt(16) != maxEntries ||
            stateScratch.getInt(20) != blockSize || stateScratch.getInt(24) != blockCount ||
            stateScratch.getInt(28) != index.buckets() || stateScratch.getInt(32) != maxKeyLength ||
            stateScratch.getInt(36) != maxValueLength || stateScratch.getInt(120) != (null == sketch ? 0 : 1))
        {
            throw new GridException(Status.MALFORMED, "not a snapshot of a cache configured as " + context);
        }
        final int unusedSlot = stateScratch.getInt(124);
        final int unusedBlock = stateScratch.getInt(128);
        if (unusedSlot < 0 || unusedSlot > maxEntries || unusedBlock < maxEntries || unusedBlock > blockCount)
        {
            throw new GridException(Status.MALFORMED, "cache snapshot marks slot " + unusedSlot + " and block " +
                unusedBlock + " as the first unused, outside this cache's " + maxEntries + " slots and " + blockCount +
                " blocks");
        }
        final long regions = (long)slots.capacity() + index.region().capacity() + blockLinks.capacity() +
            (null == sketch ? 0 : sketch.table().capacity()) +
            (null == order.region() ? 0 : order.region().capacity());
        if (reader.remaining() != regions)
        {
            throw new GridException(Status.MALFORMED, "cache snapshot has " + reader.remaining() +
                " bytes after its header; this cache's regions are " + regions);
        }

        final long epoch = header.getLong(EPOCH_OFFSET);
        header.putLong(EPOCH_OFFSET, epoch + 1);
        VarHandle.storeStoreFence();
        entries = stateScratch.getInt(40);
        freeSlotHead = stateScratch.getInt(44);
        freeSlotCount = stateScratch.getInt(48);
        freeBlockHead = stateScratch.getInt(52);
        freeBlockCount = stateScratch.getInt(56);
        sweepCursor = stateScratch.getInt(60);
        firstUnusedSlot = unusedSlot;
        firstUnusedBlock = unusedBlock;
        expiringEntries = (int)stateScratch.getLong(104);
        now = stateScratch.getLong(64);
        hits = stateScratch.getLong(72);
        misses = stateScratch.getLong(80);
        evictions = stateScratch.getLong(88);
        expirations = stateScratch.getLong(96);
        order.readState(stateScratch, SNAPSHOT_HEADER_LENGTH);
        windowSize = stateScratch.getInt(SNAPSHOT_HEADER_LENGTH + order.stateLength());
        window.readState(stateScratch, SNAPSHOT_HEADER_LENGTH + order.stateLength() + 8);
        climber.readState(stateScratch, SNAPSHOT_HEADER_LENGTH + order.stateLength() + 16);
        reader.readFully(slots, 0, slots.capacity());
        reader.readFully(index.region(), 0, index.region().capacity());
        index.rebuildSummaries();
        reader.readFully(blockLinks, 0, blockLinks.capacity());
        if (null != sketch)
        {
            sketch.readState(stateScratch, 112);
            reader.readFully(sketch.table(), 0, sketch.table().capacity());
        }
        if (null != order.region())
        {
            reader.readFully(order.region(), 0, order.region().capacity());
        }
        header.putLong(LOG_TIME_OFFSET, now);
        header.putLongRelease(EPOCH_OFFSET, epoch + 2);
    }

    /**
     * Frees the off-heap memory. Only once every reader has stopped: a reader of freed memory would crash the JVM.
     */
    public void close()
    {
        if (!closed)
        {
            closed = true;
            for (final OffHeapMemory region : memory)
            {
                if (null != region)
                {
                    region.close();
                }
            }
        }
    }
}
