package dev.grid.cache;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bucketed index on its own: entries that overflow their home bucket (into the next ones, wrapping past the
 * last) are found, removals in any order keep the others findable and lower exactly the overflow counts they
 * raised, so a probe stops at the home bucket again once nothing overflows it; and over a long random sequence
 * against a map, every entry is found where a probe looks, every insert takes the first empty word from its home
 * on, every overflow count equals the number of entries that passed the bucket, and two indexes fed the same
 * sequence, one removing by the word hints its inserts returned and one given wrong hints (so searching), are
 * byte-identical.
 */
class HashIndexTest
{
    private static final int MAX_ENTRIES = 40;

    private static HashIndex newIndex(final int maxEntries)
    {
        final int buckets = HashIndex.bucketsFor(maxEntries);
        return new HashIndex(new UnsafeBuffer(ByteBuffer.allocateDirect(buckets * HashIndex.BUCKET_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(buckets * HashIndex.SUMMARY_LENGTH)), maxEntries);
    }

    /** A hash whose home is {@code bucket} of an index of {@code buckets}, with low bits {@code low}. */
    private static long hashHomedAt(final int bucket, final int buckets, final int low)
    {
        final long high = ((long)bucket << 32) / buckets + 1;
        return high << 32 | (low & 0xFFFF_FFFFL);
    }

    /**
     * @return the slot a probe from the hash's home finds for the hash, comparing only the words
     * {@link HashIndex#candidates} names (as readers and the writer do), or -1 if it stops first.
     */
    private static int lookup(final HashIndex index, final long hash, final int slot)
    {
        final int tag = index.tag(hash);
        int bucket = index.home(hash);
        for (int visited = 0; visited < index.buckets(); visited++, bucket = index.next(bucket))
        {
            for (int candidates = index.candidates(bucket, tag); 0 != candidates; candidates &= candidates - 1)
            {
                if (index.slotIfTagged(bucket, Integer.numberOfTrailingZeros(candidates), tag) == slot)
                {
                    return slot;
                }
            }
            if (!index.summaryOverflows(bucket))
            {
                return -1;
            }
        }
        return -1;
    }

    @Test
    void entriesOverflowIntoTheNextBucketsWrappingAroundAndRemovalsUndoTheirCounts()
    {
        final HashIndex index = newIndex(MAX_ENTRIES);
        final int buckets = index.buckets();
        assertThat(buckets).isEqualTo(4);
        final int last = buckets - 1;
        final long[] hashes = new long[MAX_ENTRIES];
        for (int slot = 0; slot < MAX_ENTRIES; slot++)
        {
            hashes[slot] = hashHomedAt(last, buckets, slot * 7919);
            assertThat(index.home(hashes[slot])).isEqualTo(last);
            index.insert(hashes[slot], slot);
        }
        assertThat(index.overflows(last)).as("the home bucket is full and passed").isTrue();
        assertThat(index.overflows(0)).as("wrapped into bucket 0, full and passed").isTrue();
        assertThat(index.overflows(1)).as("the last 10 entries stop in bucket 1").isFalse();
        for (int slot = 0; slot < MAX_ENTRIES; slot++)
        {
            assertThat(lookup(index, hashes[slot], slot)).isEqualTo(slot);
        }
        assertThat(lookup(index, hashHomedAt(last, buckets, 12345), 99)).as("a miss").isEqualTo(-1);

        for (int slot = MAX_ENTRIES - 1; slot >= 0; slot -= 2)
        {
            index.remove(hashes[slot], slot, -1);
        }
        for (int slot = 0; slot < MAX_ENTRIES; slot++)
        {
            assertThat(lookup(index, hashes[slot], slot)).isEqualTo(0 == slot % 2 ? slot : -1);
        }
        for (int slot = 0; slot < MAX_ENTRIES; slot += 2)
        {
            index.remove(hashes[slot], slot, -1);
        }
        for (int bucket = 0; bucket < buckets; bucket++)
        {
            assertThat(index.overflows(bucket)).as("bucket %d", bucket).isFalse();
        }
        final UnsafeBuffer region = index.region();
        for (int offset = 0; offset < region.capacity(); offset += Integer.BYTES)
        {
            assertThat(region.getInt(offset)).as("offset %d", offset).isZero();
        }
        for (int bucket = 0; bucket < buckets; bucket++)
        {
            assertThat(index.summaryOverflows(bucket)).as("flag of bucket %d", bucket).isFalse();
        }
    }

    @Test
    void aBucketWithoutAMatchingFingerprintIsNotReadAndEveryPresentTagMatches()
    {
        final HashIndex index = newIndex(MAX_ENTRIES);
        final long present = hashHomedAt(1, index.buckets(), 0b0000_0101);
        index.insert(present, 7);
        assertThat(index.slotIfTagged(1, 0, index.tag(present))).as("in the first word of bucket 1").isEqualTo(7);
        assertThat(index.candidates(1, index.tag(present))).isEqualTo(1);
        assertThat(index.candidates(1, index.tag(present ^ 0b1000_0000))).as("same tag bits but the 8th").isZero();
        assertThat(index.candidates(1, index.tag(present ^ 0b0000_0010))).as("another fingerprint").isZero();
        assertThat(index.candidates(2, index.tag(present))).as("another bucket").isZero();
        index.remove(present, 7, -1);
        assertThat(lookup(index, present, 7)).as("removed: a stale fingerprint only costs a bucket read")
            .isEqualTo(-1);
        final long other = hashHomedAt(1, index.buckets(), 0b0000_0111);
        index.insert(other, 8);
        assertThat(index.candidates(1, index.tag(other))).as("the freed word's fingerprint replaced").isEqualTo(1);
        assertThat(index.candidates(1, index.tag(present))).as("the stale fingerprint gone").isZero();
    }

    @Test
    void candidatesNameExactlyTheWordsWhoseFingerprintMatchesAndNeverTheOverflowFlag()
    {
        final int maxEntries = 300;
        final HashIndex index = newIndex(maxEntries);
        final SplittableRandom random = new SplittableRandom(11);
        final Map<Integer, Long> present = new HashMap<>();
        final List<Integer> freeSlots = new ArrayList<>();
        for (int slot = 0; slot < maxEntries; slot++)
        {
            freeSlots.add(slot);
        }
        for (int step = 0; step < 3_000; step++)
        {
            if (!freeSlots.isEmpty() && (present.isEmpty() || random.nextInt(3) > 0))
            {
                final int slot = freeSlots.remove(freeSlots.size() - 1);
                // Few buckets and few fingerprints: full buckets, overflow flags and repeated fingerprints.
                final long hash = hashHomedAt(random.nextInt(4), index.buckets(), random.nextInt(8) << 1);
                index.insert(hash, slot);
                present.put(slot, hash);
            }
            else
            {
                final int slot = new ArrayList<>(present.keySet()).get(random.nextInt(present.size()));
                index.remove(present.remove(slot), slot, -1);
                freeSlots.add(slot);
            }
            for (int bucket = 0; bucket < index.buckets(); bucket++)
            {
                for (int fingerprint = 0; fingerprint < 128; fingerprint++)
                {
                    final int tag = index.tag(fingerprint << 1);
                    int expected = 0;
                    for (int i = 0; i < HashIndex.WORDS; i++)
                    {
                        if ((index.summaries().getByte(bucket * HashIndex.SUMMARY_LENGTH + i) & 0xFF) ==
                            (0x80 | fingerprint))
                        {
                            expected |= 1 << i;
                        }
                    }
                    assertThat(index.candidates(bucket, tag)).as("bucket %d, fingerprint %d", bucket, fingerprint)
                        .isEqualTo(expected);
                }
            }
            for (final Map.Entry<Integer, Long> entry : present.entrySet())
            {
                assertThat(lookup(index, entry.getValue(), entry.getKey())).isEqualTo(entry.getKey());
            }
        }
    }

    @Test
    void randomInsertsAndRemovesMatchAMapAndTheOverflowCountsAreExact()
    {
        final int maxEntries = 300;
        final HashIndex index = newIndex(maxEntries);
        final HashIndex twin = newIndex(maxEntries);
        final Map<Integer, Long> present = new HashMap<>();
        final Map<Integer, Integer> wordHints = new HashMap<>();
        final List<Integer> free = new ArrayList<>();
        for (int slot = 0; slot < maxEntries; slot++)
        {
            free.add(slot);
        }
        final SplittableRandom random = new SplittableRandom(42);
        for (int step = 0; step < 50_000; step++)
        {
            if (!free.isEmpty() && (present.isEmpty() || random.nextInt(100) < 55))
            {
                final int slot = free.remove(random.nextInt(free.size()));
                // Few distinct homes: long overflow chains, and equal tags for different slots.
                final long hash = hashHomedAt(random.nextInt(index.buckets()) / 3 * 3, index.buckets(),
                    random.nextInt(4));
                final int expectedWord = firstEmptyWordOnTheProbe(index, hash);
                final int wordHint = index.insert(hash, slot);
                assertThat(wordHint).as("the first empty word from the home on").isEqualTo(expectedWord);
                assertThat(index.region().getInt(wordHint)).as("the hint names the entry's word")
                    .isEqualTo(index.tag(hash) | slot);
                assertThat(twin.insert(hash, slot)).isEqualTo(wordHint);
                wordHints.put(slot, wordHint);
                present.put(slot, hash);
            }
            else
            {
                final List<Integer> slots = new ArrayList<>(present.keySet());
                final int slot = slots.get(random.nextInt(slots.size()));
                final long hash = present.remove(slot);
                // The index by the hints, its twin by searching (a wrong hint of any kind falls back to the search).
                index.remove(hash, slot, wordHints.remove(slot));
                final int[] wrongHints = {-1, Integer.MAX_VALUE, 2, HashIndex.WORDS * Integer.BYTES,
                    random.nextInt(twin.region().capacity())};
                twin.remove(hash, slot, wrongHints[random.nextInt(wrongHints.length)]);
                free.add(slot);
                assertThat(lookup(index, hash, slot)).isEqualTo(-1);
            }
            if (0 == step % 997)
            {
                for (final Map.Entry<Integer, Long> entry : present.entrySet())
                {
                    assertThat(lookup(index, entry.getValue(), entry.getKey())).isEqualTo(entry.getKey());
                }
                assertOverflowCountsAreExact(index, present);
                assertSummariesAreDerivedFromTheBuckets(index, maxEntries);
            }
        }
        assertThat(index.region().compareTo(twin.region())).as("same sequence, same bytes").isZero();
        assertThat(index.summaries().compareTo(twin.summaries())).as("same sequence, same summaries").isZero();
    }

    /**
     * @return the byte offset of the first empty word from the hash's home bucket on, by a plain scan of the words.
     */
    private static int firstEmptyWordOnTheProbe(final HashIndex index, final long hash)
    {
        for (int bucket = index.home(hash); ; bucket = index.next(bucket))
        {
            for (int i = 0; i < HashIndex.WORDS; i++)
            {
                final int offset = bucket * HashIndex.BUCKET_LENGTH + i * Integer.BYTES;
                if (0 == index.region().getInt(offset))
                {
                    return offset;
                }
            }
        }
    }

    /**
     * The summaries kept up by inserts and removals agree with those a restore derives from the buckets alone: equal
     * fingerprints for every word in use and equal overflow flags (an empty word may keep the stale fingerprint of
     * the entry removed from it, until an insert reuses the word).
     */
    private static void assertSummariesAreDerivedFromTheBuckets(final HashIndex index, final int maxEntries)
    {
        final HashIndex restored = newIndex(maxEntries);
        restored.region().putBytes(0, index.region(), 0, index.region().capacity());
        restored.rebuildSummaries();
        for (int bucket = 0; bucket < index.buckets(); bucket++)
        {
            for (int i = 0; i < HashIndex.WORDS; i++)
            {
                final int offset = bucket * HashIndex.SUMMARY_LENGTH + i;
                if (0 != index.region().getInt(bucket * HashIndex.BUCKET_LENGTH + i * Integer.BYTES))
                {
                    assertThat(index.summaries().getByte(offset)).as("bucket %d word %d", bucket, i)
                        .isEqualTo(restored.summaries().getByte(offset));
                }
            }
            assertThat(index.summaryOverflows(bucket)).as("flag of bucket %d", bucket)
                .isEqualTo(restored.summaryOverflows(bucket)).isEqualTo(index.overflows(bucket));
        }
    }

    /**
     * Recomputes every bucket's overflow count from where each entry lies: the buckets from its home up to (not
     * including) the one holding its word. The index holds no word but the present entries'.
     */
    private static void assertOverflowCountsAreExact(final HashIndex index, final Map<Integer, Long> present)
    {
        final int[] expected = new int[index.buckets()];
        final UnsafeBuffer region = index.region();
        for (final Map.Entry<Integer, Long> entry : present.entrySet())
        {
            final int word = index.tag(entry.getValue()) | entry.getKey();
            int bucket = index.home(entry.getValue());
            for (int visited = 0; !bucketHolds(region, bucket, word); visited++, bucket = index.next(bucket))
            {
                assertThat(visited).as("slot %d's word is in the index", entry.getKey()).isLessThan(index.buckets());
                expected[bucket]++;
            }
        }
        int wordsInUse = 0;
        for (int bucket = 0; bucket < index.buckets(); bucket++)
        {
            for (int i = 0; i < HashIndex.WORDS; i++)
            {
                wordsInUse += 0 == region.getInt(bucket * HashIndex.BUCKET_LENGTH + i * Integer.BYTES) ? 0 : 1;
            }
            assertThat(region.getInt(bucket * HashIndex.BUCKET_LENGTH + HashIndex.WORDS * Integer.BYTES))
                .as("overflow count of bucket %d", bucket).isEqualTo(expected[bucket]);
        }
        assertThat(wordsInUse).isEqualTo(present.size());
    }

    private static boolean bucketHolds(final UnsafeBuffer region, final int bucket, final int word)
    {
        for (int i = 0; i < HashIndex.WORDS; i++)
        {
            if (region.getInt(bucket * HashIndex.BUCKET_LENGTH + i * Integer.BYTES) == word)
            {
                return true;
            }
        }
        return false;
    }
}
