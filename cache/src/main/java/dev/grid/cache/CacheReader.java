package dev.grid.cache;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;

import static dev.grid.cache.CacheStore.EPOCH_OFFSET;
import static dev.grid.cache.CacheStore.ENTRY_VERSION_OFFSET;
import static dev.grid.cache.CacheStore.EXPIRE_AT_OFFSET;
import static dev.grid.cache.CacheStore.HASH_OFFSET;
import static dev.grid.cache.CacheStore.KEY_LENGTH_OFFSET;
import static dev.grid.cache.CacheStore.LIVE;
import static dev.grid.cache.CacheStore.LOG_TIME_OFFSET;
import static dev.grid.cache.CacheStore.STATE_OFFSET;
import static dev.grid.cache.CacheStore.VALUE_LENGTH_OFFSET;
import static dev.grid.cache.CacheStore.VERSION_OFFSET;

/**
 * A local, possibly stale read of one cache from an application thread, while the writer thread puts, evicts and
 * expires. One reader per thread (it keeps the last read's version and hash); it never allocates and never
 * writes shared memory.
 * <p>
 * The protocol (a seqlock per slot, plus one for the whole cache):
 * <ol>
 *     <li>the writer makes a slot's version odd before it changes anything of the slot or the blocks the slot
 *     owns, and even again (release) after; freed blocks are only reused after their old owner's version moved;</li>
 *     <li>the reader reads a slot's version (acquire), requires it even, reads the fields, compares the key and
 *     copies the value into the caller's buffer, then (after a load fence) re-reads the version: equal means the
 *     copy is exactly the slot's state at that version, never torn and never another key's recycled bytes. Every
 *     block number and length is range-checked before use, so inconsistent data is never followed out of bounds;</li>
 *     <li>index words never move ({@link HashIndex}): a word is published after the overflow counts leading to it
 *     and cleared before they are lowered, so a probe that stops at a count of 0 missed no entry that was present
 *     during the whole probe; clear and restore run inside the epoch seqlock, which every answer checks;</li>
 *     <li>entries whose expiry is at or before the published log time are misses, as they are for the writer.</li>
 * </ol>
 * Access counts: a hit is not replicated by itself; call {@link #lastKeyHash()} and hand it to the leader's
 * {@link AccessHintBatch} so the hit counts toward LRU/LFU on every replica.
 */
public final class CacheReader
{
    /** The key is not in the cache (or expired). */
    public static final int MISS = -1;
    /** The value is longer than the room in the caller's buffer; nothing was copied. */
    public static final int BUFFER_TOO_SMALL = -2;

    private static final int RETRY = -3;
    private static final int OTHER_KEY = -4;

    private final CacheStore store;
    private final UnsafeBuffer header;
    private final UnsafeBuffer slots;
    private final HashIndex index;
    private final int stride;
    private final int maxEntries;
    private final int maxKeyLength;
    private final int maxValueLength;
    private long lastVersion;
    private long lastKeyHash;
    private long retries;
    /** Sums {@link HashIndex#bucketFirstWord} loads so that the JIT keeps them. */
    private int touched;

    CacheReader(final CacheStore store)
    {
        this.store = store;
        header = store.header;
        slots = store.slots;
        index = store.index;
        stride = store.stride;
        maxEntries = store.maxEntries;
        maxKeyLength = store.maxKeyLength;
        maxValueLength = store.maxValueLength;
    }

    /**
     * Reads a key's value into the caller's buffer.
     *
     * @param key               buffer holding the key.
     * @param keyOffset         of the key.
     * @param keyLength         of the key.
     * @param destination       where the value is copied; its content is unspecified unless a length is returned.
     * @param destinationOffset where the value starts.
     * @return the value's length, {@link #MISS} or {@link #BUFFER_TOO_SMALL}.
     */
    public int get(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final MutableDirectBuffer destination,
        final int destinationOffset)
    {
        if (keyLength < 1 || keyLength > maxKeyLength)
        {
            return MISS;
        }
        final long hash = KeyHash.hash(key, keyOffset, keyLength);
        lastKeyHash = hash;
        while (true)
        {
            final long epoch = header.getLongAcquire(EPOCH_OFFSET);
            if (0 == (epoch & 1))
            {
                final int result = probe(hash, key, keyOffset, keyLength, destination, destinationOffset);
                if (RETRY != result)
                {
                    VarHandle.loadLoadFence();
                    if (header.getLongVolatile(EPOCH_OFFSET) == epoch)
                    {
                        return result;
                    }
                }
            }
            retries++;
            Thread.onSpinWait();
        }
    }

    private int probe(
        final long hash,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final MutableDirectBuffer destination,
        final int destinationOffset)
    {
        final int tag = index.tag(hash);
        int bucket = index.home(hash);
        for (int visited = 0; visited < index.buckets(); visited++, bucket = index.next(bucket))
        {
            int candidates = index.candidates(bucket, tag);
            if (0 != candidates)
            {
                // The bucket's address needs no summary byte: where this branch is predicted taken (hits), the
                // bucket's load starts beside the summary's instead of after it; misses never load the bucket.
                touched += index.bucketFirstWord(bucket);
            }
            for (; 0 != candidates; candidates &= candidates - 1)
            {
                final int slot = index.slotIfTagged(bucket, Integer.numberOfTrailingZeros(candidates), tag);
                if (slot >= maxEntries)
                {
                    return RETRY;
                }
                if (slot >= 0)
                {
                    final int result =
                        readSlot(slot, hash, key, keyOffset, keyLength, destination, destinationOffset);
                    if (OTHER_KEY != result)
                    {
                        return result;
                    }
                }
            }
            if (!index.summaryOverflows(bucket))
            {
                return MISS;
            }
        }
        return MISS;
    }

    private int readSlot(
        final int slot,
        final long hash,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final MutableDirectBuffer destination,
        final int destinationOffset)
    {
        final int offset = slot * stride;
        final long version = slots.getLongAcquire(offset + VERSION_OFFSET);
        if (0 != (version & 1))
        {
            return RETRY;
        }
        final int state = slots.getInt(offset + STATE_OFFSET);
        final long slotHash = slots.getLong(offset + HASH_OFFSET);
        final int slotKeyLength = slots.getInt(offset + KEY_LENGTH_OFFSET);
        final int valueLength = slots.getInt(offset + VALUE_LENGTH_OFFSET);
        final long expireAt = slots.getLong(offset + EXPIRE_AT_OFFSET);
        final long entryVersion = slots.getLong(offset + ENTRY_VERSION_OFFSET);

        int result;
        if (0 == (state & LIVE) || slotHash != hash || slotKeyLength != keyLength)
        {
            result = OTHER_KEY;
        }
        else if (valueLength < 0 || valueLength > maxValueLength)
        {
            result = RETRY;
        }
        else
        {
            final int equal = store.streamEquals(slot, key, keyOffset, keyLength);
            if (equal < 0)
            {
                result = RETRY;
            }
            else if (0 == equal)
            {
                result = OTHER_KEY;
            }
            else if (expireAt <= header.getLongVolatile(LOG_TIME_OFFSET))
            {
                result = MISS;
            }
            else if (valueLength > destination.capacity() - destinationOffset)
            {
                result = BUFFER_TOO_SMALL;
            }
            else
            {
                result = store.readStream(slot, keyLength, destination, destinationOffset, valueLength) ?
                    valueLength : RETRY;
            }
        }
        VarHandle.loadLoadFence();
        if (slots.getLongVolatile(offset + VERSION_OFFSET) != version)
        {
            return RETRY;
        }
        lastVersion = entryVersion;
        return result;
    }

    /**
     * @return the version of the entry the last successful {@link #get} returned.
     */
    public long lastVersion()
    {
        return lastVersion;
    }

    /**
     * @return the {@link KeyHash} of the last key read: what an access hint carries.
     */
    public long lastKeyHash()
    {
        return lastKeyHash;
    }

    /**
     * @return how many times this reader retried because the writer changed what it was reading.
     */
    public long retries()
    {
        return retries;
    }
}
