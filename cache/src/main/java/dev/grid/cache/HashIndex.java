package dev.grid.cache;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The hash index from key hash to slot: cache-line buckets of {@value #WORDS} four-byte words and an overflow count,
 * about {@value #MEAN_ENTRIES_PER_BUCKET} entries per bucket when the cache is full, so a lookup usually reads one
 * cache line and the whole index is small (4 bytes x maxEntries / 0.67: 6.4 MiB for 1M entries).
 * <p>
 * Beside the buckets, a summary of {@value #SUMMARY_LENGTH} bytes per bucket (1.6 MiB for 1M entries, a quarter of
 * the buckets, so it stays in the last-level cache where the buckets do not): one fingerprint byte per word (7 bits
 * of its tag and a set high bit; 0 for an empty word, or the last removed entry's) and a flag that is set while the
 * overflow count is not 0. A lookup turns the summary into the mask of words whose fingerprint matches
 * ({@link #candidates}) and compares only those, so a miss (about 1 in 13 false matches when a bucket holds 10
 * entries) is answered without touching the buckets and a hit compares one word instead of scanning the bucket.
 * The summary is derived from the buckets ({@link #rebuildSummaries()}), so snapshots hold only the buckets.
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
 * Only the writer thread mutates. Readers use {@link #candidates}, {@link #slotIfTagged} and
 * {@link #summaryOverflows}, whose loads are acquires. A word is published with a release store after its
 * fingerprint and the overflow counts and flags that lead to it, and cleared before the counts and flags are
 * lowered, so a reader that finds no matching fingerprint or a flag of 0 has not missed a word that was there during
 * its whole scan. (A flag's clearing may become visible before the word's: it can only hide the entry being
 * removed, whose slot the writer has already marked as being written, so the reader's answer is the one after the
 * removal.) A removal leaves the word's fingerprint: a stale fingerprint only makes a lookup read the bucket, and the
 * next insert into the word replaces it; the store it saves is a cache miss on every eviction.
 * Insertion positions depend only on the sequence of inserts and removals, so the index is a deterministic function
 * of the log (and is snapshotted as it is).
 */
final class HashIndex
{
    static final int BUCKET_LENGTH = 64;
    static final int WORDS = 15;
    static final int MEAN_ENTRIES_PER_BUCKET = 10;
    static final int SUMMARY_LENGTH = 16;
    /** A {@link #candidates} mask naming every word of a bucket. */
    static final int ALL_WORDS = (1 << WORDS) - 1;
    private static final int OVERFLOW_OFFSET = WORDS * Integer.BYTES;
    private static final int OVERFLOW_FLAG_OFFSET = WORDS;
    private static final long LOW_BYTES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long WORD_HIGH_BITS = 0x8000_0000_8000_0000L;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    /** Masks the overflow flag, the summary's last byte, out of fingerprint matching. */
    private static final long FLAG_BYTE = 0xFF00_0000_0000_0000L;

    private final UnsafeBuffer buffer;
    private final UnsafeBuffer summaries;
    private final int buckets;
    private final int slotBits;
    private final int slotMask;

    /**
     * @param buffer     {@link #bucketsFor(int)} x {@value #BUCKET_LENGTH} bytes, cache-line aligned, zeroed.
     * @param summaries  {@link #bucketsFor(int)} x {@value #SUMMARY_LENGTH} bytes, 16-byte aligned, zeroed.
     * @param maxEntries the number of slots.
     */
    HashIndex(final UnsafeBuffer buffer, final UnsafeBuffer summaries, final int maxEntries)
    {
        this.buffer = buffer;
        this.summaries = summaries;
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
     * @return the summary byte of a word ({@link #tag} less slot): 7 bits of the tag above its lowest (always 1) and
     * a set high bit, so never 0.
     */
    private int fingerprint(final int word)
    {
        return 0x80 | ((word >>> slotBits) >>> 1) & 0x7F;
    }

    /**
     * @return a mask with bit i set if word i's fingerprint matches the tag's: every word of the bucket that holds
     * this tag has its bit set (so may a word with another tag of the same fingerprint, or a removed entry's stale
     * fingerprint), so a lookup need only compare those words ({@link #slotIfTagged}) instead of scanning the bucket.
     */
    int candidates(final int bucket, final int tag)
    {
        final long pattern = fingerprint(tag) * LOW_BYTES;
        final int base = bucket * SUMMARY_LENGTH;
        final long low = zeroLanes(summaries.getLongAcquire(base) ^ pattern, HIGH_BITS);
        final long high = zeroLanes(summaries.getLongAcquire(base + Long.BYTES) ^ pattern | FLAG_BYTE, HIGH_BITS);
        return (int)(gatherHighBits(low) | gatherHighBits(high) << Long.BYTES);
    }

    /**
     * @param value    lanes of equal width (bytes or words).
     * @param highBits the high bit of every lane.
     * @return the high bit of each lane set exactly where the lane is 0 (no carry between lanes, so no false
     * positives), every other bit clear.
     */
    private static long zeroLanes(final long value, final long highBits)
    {
        return ~((value & ~highBits) + ~highBits | value | ~highBits);
    }

    /**
     * @return the high bits of the eight bytes as the eight low bits, byte 0's lowest.
     */
    private static long gatherHighBits(final long highBits)
    {
        return (highBits >>> 7) * 0x0102_0408_1020_4080L >>> 56;
    }

    /**
     * @return the slot of word {@code position} if its tag is {@code tag}, else -1 (also for an empty word).
     */
    int slotIfTagged(final int bucket, final int position, final int tag)
    {
        final int word = buffer.getIntAcquire(bucket * BUCKET_LENGTH + position * Integer.BYTES);
        return (word & ~slotMask) == tag ? word & slotMask : -1;
    }

    /**
     * @return whether entries homed at or before this bucket lie beyond it: a lookup must go on to the next.
     */
    boolean overflows(final int bucket)
    {
        return 0 != buffer.getIntAcquire(bucket * BUCKET_LENGTH + OVERFLOW_OFFSET);
    }

    /**
     * @return {@link #overflows} from the bucket's summary, so that a lookup that found no {@link #candidates}
     * knows whether to go on without reading the bucket.
     */
    boolean summaryOverflows(final int bucket)
    {
        return 0 != summaries.getByteVolatile(bucket * SUMMARY_LENGTH + OVERFLOW_FLAG_OFFSET);
    }

    /**
     * @return the first word of the hash's home bucket: a load whose only purpose is to bring the bucket into the
     * cache early (the writer knows a hash it will look up soon).
     */
    int firstWord(final long hash)
    {
        return bucketFirstWord(home(hash));
    }

    /**
     * @return the first word of a bucket: {@link #firstWord}'s load for a bucket already known.
     */
    int bucketFirstWord(final int bucket)
    {
        return buffer.getInt(bucket * BUCKET_LENGTH);
    }

    /**
     * Adds a slot's entry (writer only). There is always an empty word: the index has more words than slots.
     *
     * @return where the entry's word is (its byte offset in the buckets): {@link #remove}'s hint.
     */
    int insert(final long hash, final int slot)
    {
        final int word = tag(hash) | slot;
        for (int bucket = home(hash); ; bucket = next(bucket))
        {
            final int base = bucket * BUCKET_LENGTH;
            final int empty = emptyWords(base);
            if (0 != empty)
            {
                final int position = Integer.numberOfTrailingZeros(empty);
                summaries.putByte(bucket * SUMMARY_LENGTH + position, (byte)fingerprint(word));
                buffer.putIntRelease(base + position * Integer.BYTES, word);
                return base + position * Integer.BYTES;
            }
            final int count = buffer.getInt(base + OVERFLOW_OFFSET);
            buffer.putInt(base + OVERFLOW_OFFSET, count + 1);
            if (0 == count)
            {
                summaries.putByte(bucket * SUMMARY_LENGTH + OVERFLOW_FLAG_OFFSET, (byte)1);
            }
        }
    }

    /**
     * Removes a slot's entry (writer only); the entry must be in the index.
     *
     * @param wordHint where {@link #insert} put the entry's word. Used only if that word is the entry's (a slot's
     *                 word is in the index once), else the probe sequence is searched, so any value is safe.
     */
    void remove(final long hash, final int slot, final int wordHint)
    {
        final int word = tag(hash) | slot;
        final int home = home(hash);
        int bucket;
        int position;
        if (wordHint >= 0 && wordHint < buffer.capacity() && 0 == (wordHint & (Integer.BYTES - 1)) &&
            (wordHint & (BUCKET_LENGTH - 1)) < OVERFLOW_OFFSET && buffer.getInt(wordHint) == word)
        {
            bucket = wordHint / BUCKET_LENGTH;
            position = (wordHint & (BUCKET_LENGTH - 1)) / Integer.BYTES;
        }
        else
        {
            bucket = home;
            position = find(bucket, word);
            while (position < 0)
            {
                bucket = next(bucket);
                position = find(bucket, word);
            }
        }
        buffer.putIntRelease(bucket * BUCKET_LENGTH + position * Integer.BYTES, 0);
        for (int passed = home; passed != bucket; passed = next(passed))
        {
            final int offset = passed * BUCKET_LENGTH + OVERFLOW_OFFSET;
            final int count = buffer.getInt(offset) - 1;
            buffer.putIntRelease(offset, count);
            if (0 == count)
            {
                summaries.putByte(passed * SUMMARY_LENGTH + OVERFLOW_FLAG_OFFSET, (byte)0);
            }
        }
    }

    /**
     * @return a mask with bit i set where word i of the bucket is empty: the bucket read as word pairs, without a
     * branch (a loop that stops at the first empty word mispredicts its exit on almost every insert).
     */
    private int emptyWords(final int base)
    {
        int empty = 0;
        for (int pair = 0; pair < BUCKET_LENGTH / Long.BYTES; pair++)
        {
            final long words = buffer.getLong(base + pair * Long.BYTES);
            final long zero = zeroLanes(LITTLE_ENDIAN ? words : Long.rotateLeft(words, Integer.SIZE), WORD_HIGH_BITS);
            empty |= (int)(zero >>> 31 & 1 | zero >>> 62 & 2) << 2 * pair;
        }
        return empty & ALL_WORDS;
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
        summaries.setMemory(0, summaries.capacity(), (byte)0);
    }

    /**
     * Derives every summary from the buckets, after they were restored from a snapshot (writer only, inside the
     * cache's epoch seqlock).
     */
    void rebuildSummaries()
    {
        for (int bucket = 0; bucket < buckets; bucket++)
        {
            final int base = bucket * BUCKET_LENGTH;
            for (int i = 0; i < WORDS; i++)
            {
                final int word = buffer.getInt(base + i * Integer.BYTES);
                summaries.putByte(bucket * SUMMARY_LENGTH + i, 0 == word ? 0 : (byte)fingerprint(word));
            }
            summaries.putByte(bucket * SUMMARY_LENGTH + OVERFLOW_FLAG_OFFSET,
                (byte)(0 == buffer.getInt(base + OVERFLOW_OFFSET) ? 0 : 1));
        }
    }

    UnsafeBuffer region()
    {
        return buffer;
    }

    UnsafeBuffer summaries()
    {
        return summaries;
    }
}
