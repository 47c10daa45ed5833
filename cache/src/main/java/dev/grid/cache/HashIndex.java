package dev.grid.cache;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The hash index from key hash to slot: cache-line buckets of {@value #WORDS} four-byte words and an overflow count,
 * about {@value #MEAN_ENTRIES_PER_BUCKET} entries per bucket when the cache is full, so a lookup usually reads one
 * cache line and the whole index is small (4 bytes x maxEntries / 0.67: 6.4 MiB for 1M entries).
 * <p>
 * A word is {@code tag << slotBits | slot}, where {@code slotBits} is the width of the largest slot number and the
 * tag is the key hash's low bits with the lowest forced to 1, so a word is never 0 (0 = empty). The home bucket is
 * the hash's high 32 bits scaled to the bucket count. An entry goes into the first empty word of its home bucket or,
 * if that is full, of the next ones (wrapping); every full bucket it passes counts it in its overflow count. A
 * lookup scans its home bucket and goes on to the next only while the overflow count says some entry homed at or
 * before it lies beyond. A removal clears the entry's word, then lowers the overflow counts it had raised: nothing
 * ever moves and nothing is left behind, so probes never degrade and a concurrent reader sees an entry where it was
 * put for as long as it is there.
 * <p>
 * Only the writer thread mutates; readers use {@link #match} and {@link #overflows}, whose loads are acquires. A
 * word is published with a release store after the overflow counts that lead to it, and cleared before they are
 * lowered, so a reader that finds a count of 0 has not missed a word that was there during its whole scan.
 * Insertion positions depend only on the sequence of inserts and removals, so the index is a deterministic function
 * of the log (and is snapshotted as it is).
 */
final class HashIndex
{
    static final int BUCKET_LENGTH = 64;
    static final int WORDS = 15;
    static final int MEAN_ENTRIES_PER_BUCKET = 10;
    private static final int OVERFLOW_OFFSET = WORDS * Integer.BYTES;

    private final UnsafeBuffer buffer;
    private final int buckets;
    private final int slotBits;
    private final int slotMask;

    /**
     * @param buffer     {@link #bucketsFor(int)} x {@value #BUCKET_LENGTH} bytes, cache-line aligned, zeroed.
     * @param maxEntries the number of slots.
     */
    HashIndex(final UnsafeBuffer buffer, final int maxEntries)
    {
        this.buffer = buffer;
        buckets = bucketsFor(maxEntries);
        slotBits = Math.max(1, Integer.SIZE - Integer.numberOfLeadingZeros(maxEntries - 1));
        slotMask = (1 << slotBits) - 1;
    }

    /**
     * @return buckets for a cache of {@code maxEntries}: at least maxEntries / {@value #MEAN_ENTRIES_PER_BUCKET}.
     */
    static int bucketsFor(final int maxEntries)
    {
        return Math.max(1, (maxEntries + MEAN_ENTRIES_PER_BUCKET - 1) / MEAN_ENTRIES_PER_BUCKET);
    }

    int buckets()
    {
        return buckets;
    }

    int home(final long hash)
    {
        return (int)(((hash >>> 32) * buckets) >>> 32);
    }

    int next(final int bucket)
    {
        return bucket + 1 == buckets ? 0 : bucket + 1;
    }

    /**
     * @return the tag bits every word of this hash carries (the word less its slot); never 0.
     */
    int tag(final long hash)
    {
        return ((int)hash | 1) << slotBits;
    }

    /**
     * @return the position of the first word at or after {@code from} in the bucket whose tag is {@code tag}, or -1.
     */
    int match(final int bucket, final int from, final int tag)
    {
        final int base = bucket * BUCKET_LENGTH;
        for (int i = from; i < WORDS; i++)
        {
            if ((buffer.getIntAcquire(base + i * Integer.BYTES) & ~slotMask) == tag)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return the slot of the word at a position {@link #match} returned (a concurrent reader must range-check it).
     */
    int slotAt(final int bucket, final int position)
    {
        return buffer.getIntAcquire(bucket * BUCKET_LENGTH + position * Integer.BYTES) & slotMask;
    }

    /**
     * @return whether entries homed at or before this bucket lie beyond it: a lookup must go on to the next.
     */
    boolean overflows(final int bucket)
    {
        return 0 != buffer.getIntAcquire(bucket * BUCKET_LENGTH + OVERFLOW_OFFSET);
    }

    /**
     * @return the first word of the hash's home bucket: a load whose only purpose is to bring the bucket into the
     * cache early (the writer knows a hash it will look up soon).
     */
    int firstWord(final long hash)
    {
        return buffer.getInt(home(hash) * BUCKET_LENGTH);
    }

    /**
     * Adds a slot's entry (writer only). There is always an empty word: the index has more words than slots.
     */
    void insert(final long hash, final int slot)
    {
        final int word = tag(hash) | slot;
        for (int bucket = home(hash); ; bucket = next(bucket))
        {
            final int base = bucket * BUCKET_LENGTH;
            for (int i = 0; i < WORDS; i++)
            {
                if (0 == buffer.getInt(base + i * Integer.BYTES))
                {
                    buffer.putIntRelease(base + i * Integer.BYTES, word);
                    return;
                }
            }
            buffer.putInt(base + OVERFLOW_OFFSET, buffer.getInt(base + OVERFLOW_OFFSET) + 1);
        }
    }

    /**
     * Removes a slot's entry (writer only); the entry must be in the index.
     */
    void remove(final long hash, final int slot)
    {
        final int word = tag(hash) | slot;
        final int home = home(hash);
        int bucket = home;
        int position = find(bucket, word);
        while (position < 0)
        {
            bucket = next(bucket);
            position = find(bucket, word);
        }
        buffer.putIntRelease(bucket * BUCKET_LENGTH + position * Integer.BYTES, 0);
        for (int passed = home; passed != bucket; passed = next(passed))
        {
            final int offset = passed * BUCKET_LENGTH + OVERFLOW_OFFSET;
            buffer.putIntRelease(offset, buffer.getInt(offset) - 1);
        }
    }

    private int find(final int bucket, final int word)
    {
        final int base = bucket * BUCKET_LENGTH;
        for (int i = 0; i < WORDS; i++)
        {
            if (buffer.getInt(base + i * Integer.BYTES) == word)
            {
                return i;
            }
        }
        return -1;
    }

    void clear()
    {
        buffer.setMemory(0, buffer.capacity(), (byte)0);
    }

    UnsafeBuffer region()
    {
        return buffer;
    }
}
