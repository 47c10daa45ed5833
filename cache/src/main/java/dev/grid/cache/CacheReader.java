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
import static org.agrona.BitUtil.CACHE_LINE_LENGTH;

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
 * {@link #getAll} reads several keys by this protocol, after loading their index lines and records together (reads
 * only, whose values it ignores), so that their cache misses overlap instead of following one another.
 * <p>
 * Access counts: a hit is not replicated by itself; call {@link #lastKeyHash()} and hand it to the leader's
 * {@link AccessHintBatch} so the hit counts toward LRU/LFU on every replica.
 */
public final class CacheReader
{
    /** The key is not in the cache (or expired). */
    public static final int MISS = -1;
    /** The value is longer than the room in the caller's buffer; nothing was copied. */
    public static final int BUFFER_TOO_SMALL = -2;

    /** How many keys {@link #getAll} overlaps at once; a longer batch is read in groups of this many. */
    public static final int OVERLAPPED_KEYS = 8;

    /**
     * How much of a record {@link #getAll} loads ahead: a short entry's lines (a 64-byte header, a 16-byte key and a
     * 64-byte value take three), not every line of a large block, which a short value leaves mostly unused.
     */
    private static final int TOUCHED_RECORD_LENGTH = 4 * CACHE_LINE_LENGTH;
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
        if (!isKeyLength(keyLength))
        {
            return MISS;
        }
        return read(KeyHash.hash(key, keyOffset, keyLength), key, keyOffset, keyLength, destination, destinationOffset,
            destination.capacity() - destinationOffset);
    }

    /**
     * Reads several keys, each as {@link #get} reads one, but with their cache misses overlapped: the index lines of
     * up to {@value #OVERLAPPED_KEYS} keys are loaded together, then the records they name, and only then is each
     * key read by {@link #get}'s protocol. Each value is one that {@link #get} could have returned at some moment
     * during the call; the keys are not read as one snapshot (the replicated {@code CacheGetAll} command is).
     *
     * @param keys              buffer holding the keys.
     * @param keyOffsets        where key i starts.
     * @param keyLengths        key i's length.
     * @param count             how many keys: the first {@code count} of each array.
     * @param destination       where the values are copied, key i's at {@code destinationOffset + i * valueStride};
     *                          it must hold {@code count * valueStride} bytes from there. What a key's room holds is
     *                          unspecified unless a length is returned for it.
     * @param destinationOffset where key 0's value starts.
     * @param valueStride       the room for each value.
     * @param results           set to key i's value length, {@link #MISS} or {@link #BUFFER_TOO_SMALL}.
     * @param keyHashes         set to key i's {@link KeyHash} (what an access hint for a hit carries; 0 for a key
     *                          of a length no entry can have).
     * @return how many keys were found.
     * @throws IllegalArgumentException if an array is shorter than {@code count} or the destination cannot hold the
     *                                  values' rooms; nothing is read then.
     */
    public int getAll(
        final DirectBuffer keys,
        final int[] keyOffsets,
        final int[] keyLengths,
        final int count,
        final MutableDirectBuffer destination,
        final int destinationOffset,
        final int valueStride,
        final int[] results,
        final long[] keyHashes)
    {
        if (count < 0 || count > Math.min(Math.min(keyOffsets.length, keyLengths.length),
            Math.min(results.length, keyHashes.length)))
        {
            throw new IllegalArgumentException("count " + count + " is negative or longer than an array");
        }
        if (destinationOffset < 0 || valueStride < 0 ||
            destinationOffset + (long)count * valueStride > destination.capacity())
        {
            throw new IllegalArgumentException("a destination of " + destination.capacity() + " bytes cannot hold " +
                count + " values of " + valueStride + " bytes from " + destinationOffset);
        }
        int hits = 0;
        for (int first = 0; first < count; first += OVERLAPPED_KEYS)
        {
            final int end = Math.min(count, first + OVERLAPPED_KEYS);
            for (int i = first; i < end; i++)
            {
                final long hash = isKeyLength(keyLengths[i]) ? KeyHash.hash(keys, keyOffsets[i], keyLengths[i]) : 0;
                keyHashes[i] = hash;
                touched += touchBucket(hash);
            }
            for (int i = first; i < end; i++)
            {
                touched += touchRecord(keyHashes[i]);
            }
            for (int i = first; i < end; i++)
            {
                final int result = isKeyLength(keyLengths[i]) ? read(keyHashes[i], keys, keyOffsets[i], keyLengths[i],
                    destination, destinationOffset + i * valueStride, valueStride) : MISS;
                results[i] = result;
                hits += result >= 0 ? 1 : 0;
            }
        }
        return hits;
    }

    /**
     * @return whether an entry can have a key of this length; a key of any other length is a miss.
     */
    private boolean isKeyLength(final int keyLength)
    {
        return keyLength >= 1 && keyLength <= maxKeyLength;
    }

    /**
     * Loads (and otherwise ignores) the summary and the home bucket of a key's hash.
     */
    private int touchBucket(final long hash)
    {
        final int bucket = index.home(hash);
        return index.candidates(bucket, index.tag(hash)) + index.bucketFirstWord(bucket);
    }

    /**
     * Loads (and otherwise ignores) the first {@value #TOUCHED_RECORD_LENGTH} bytes of the record that the home
     * bucket's first word with the hash's tag names, if any (header, key and value of a short entry): reads only,
     * and a slot number out of range is not followed.
     */
    private int touchRecord(final long hash)
    {
        final int bucket = index.home(hash);
        final int tag = index.tag(hash);
        final int candidates = index.candidates(bucket, tag);
        if (0 == candidates)
        {
            return 0;
        }
        final int slot = index.slotIfTagged(bucket, Integer.numberOfTrailingZeros(candidates), tag);
        if (slot < 0 || slot >= maxEntries)
        {
            return 0;
        }
        final int offset = slot * stride;
        int sum = 0;
        for (int line = 0; line < Math.min(stride, TOUCHED_RECORD_LENGTH); line += CACHE_LINE_LENGTH)
        {
            sum += slots.getByte(offset + line);
        }
        return sum;
    }

    /**
     * {@link #get} of a key already hashed, whose value may take at most {@code room} bytes of the destination.
     */
    private int read(
        final long hash,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final MutableDirectBuffer destination,
        final int destinationOffset,
        final int room)
    {
        lastKeyHash = hash;
        while (true)
        {
            final long epoch = header.getLongAcquire(EPOCH_OFFSET);
            if (0 == (epoch & 1))
            {
                final int result = probe(hash, key, keyOffset, keyLength, destination, destinationOffset, room);
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
        final int destinationOffset,
        final int room)
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
                        readSlot(slot, hash, key, keyOffset, keyLength, destination, destinationOffset, room);
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
        final int destinationOffset,
        final int room)
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
            else if (valueLength > room)
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
