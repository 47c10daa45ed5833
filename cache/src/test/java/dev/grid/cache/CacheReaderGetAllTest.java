package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CacheReader#getAll}: for every key the answer {@link CacheReader#get} gives (hits of one and of several
 * blocks, absent, expired and overwritten keys, keys of impossible lengths, values longer than their room), over
 * batches longer than one group of overlapped keys; no value spills out of its room; arguments it cannot honour are
 * refused before anything is read.
 */
class CacheReaderGetAllTest
{
    private static final long MILLISECOND = 1_000_000L;
    private static final int MAX_KEY_LENGTH = 12;
    private static final int ROOM = 40;
    private static final byte UNTOUCHED = (byte)0xA5;

    private final CacheCommands commands = new CacheCommands();
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[512]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[512]);
    private long index;

    @Test
    void everyKeyIsAnsweredAsGetAnswersIt()
    {
        try (CacheStateMachine cache = new CacheStateMachine(new CacheContext().name("batch").serviceId(1)
            .policy(CachePolicy.LRU).maxEntries(64).blockSize(16).memoryBudgetBytes(16L * 256)
            .maxKeyLength(MAX_KEY_LENGTH).maxValueLength(100), Fences.NONE))
        {
            for (int id = 0; id < 30; id++)
            {
                // Values of 0 to 58 bytes: one block, several blocks, and past the room of 40 from id 21 on.
                put(cache, id, 2 * id, id % 5 == 4 ? 10 * MILLISECOND : 0);
            }
            put(cache, 7, 3, 0);
            remove(cache, 8);
            cache.onLogTime(++index, 20 * MILLISECOND);

            // Every stored id, absent ids, an empty key and one longer than any entry's, in three groups and a part.
            final int count = 2 * CacheReader.OVERLAPPED_KEYS + 3 + 16;
            final UnsafeBuffer keys = new UnsafeBuffer(new byte[count * MAX_KEY_LENGTH + 1]);
            final int[] keyOffsets = new int[count];
            final int[] keyLengths = new int[count];
            for (int i = 0; i < count; i++)
            {
                keyOffsets[i] = i * MAX_KEY_LENGTH;
                keyLengths[i] = keyOf(keys, keyOffsets[i], 3 * i % 40);
            }
            keyLengths[5] = 0;
            keyLengths[count - 1] = MAX_KEY_LENGTH + 1;
            final UnsafeBuffer values = new UnsafeBuffer(new byte[count * ROOM + 64]);
            values.setMemory(0, values.capacity(), UNTOUCHED);
            final int[] results = new int[count];
            final long[] keyHashes = new long[count];

            final CacheReader reader = cache.newReader();
            final int hits = reader.getAll(keys, keyOffsets, keyLengths, count, values, 0, ROOM, results, keyHashes);

            final CacheReader single = cache.newReader();
            final UnsafeBuffer one = new UnsafeBuffer(new byte[ROOM]);
            int expectedHits = 0;
            int tooLong = 0;
            int missing = 0;
            for (int i = 0; i < count; i++)
            {
                final int expected = single.get(keys, keyOffsets[i], keyLengths[i], one, 0);
                assertThat(results[i]).as("key %d", i).isEqualTo(expected);
                if (expected >= 0)
                {
                    expectedHits++;
                    assertThat(new UnsafeBuffer(values, i * ROOM, expected)).as("value of key %d", i)
                        .isEqualTo(new UnsafeBuffer(one, 0, expected));
                    assertThat(keyHashes[i]).isEqualTo(single.lastKeyHash());
                }
                tooLong += CacheReader.BUFFER_TOO_SMALL == expected ? 1 : 0;
                missing += CacheReader.MISS == expected ? 1 : 0;
            }
            assertThat(hits).isEqualTo(expectedHits).isGreaterThan(10);
            assertThat(tooLong).as("values longer than their room").isGreaterThan(2);
            assertThat(missing).as("absent, removed, expired and impossible keys").isGreaterThan(10);
            assertThat(keyHashes[5]).as("an empty key's hash").isZero();
            assertThat(keyHashes[count - 1]).as("a too long key's hash").isZero();
            assertThat(results[count - 1]).isEqualTo(CacheReader.MISS);
            assertThat(results[29]).as("key 7 (3 x 29 % 40), overwritten with 3 bytes").isEqualTo(3);
            assertThat(results[16]).as("key 8 (3 x 16 % 40), removed").isEqualTo(CacheReader.MISS);
            assertThat(results[8]).as("key 24 (3 x 8), put with a TTL that has passed").isEqualTo(CacheReader.MISS);
            assertThat(results[4]).as("key 12 (3 x 4), 24 bytes over two blocks").isEqualTo(24);
            for (int i = 0; i < count; i++)
            {
                final int filled = Math.max(0, results[i]);
                final byte[] rest = new byte[ROOM - filled];
                values.getBytes(i * ROOM + filled, rest);
                assertThat(rest).as("key %d's room after its value", i).isEqualTo(untouched(ROOM - filled));
            }
            final byte[] after = new byte[64];
            values.getBytes(count * ROOM, after);
            assertThat(after).as("the destination past the last room").isEqualTo(untouched(after.length));
        }
    }

    @Test
    void argumentsItCannotHonourAreRefusedBeforeAnythingIsRead()
    {
        try (CacheStateMachine cache = new CacheStateMachine(new CacheContext().name("batch").serviceId(1)
            .policy(CachePolicy.LFU).maxEntries(16).blockSize(16).memoryBudgetBytes(16L * 64)
            .maxKeyLength(MAX_KEY_LENGTH).maxValueLength(16), Fences.NONE))
        {
            put(cache, 1, 8, 0);
            final CacheReader reader = cache.newReader();
            final UnsafeBuffer keys = new UnsafeBuffer(new byte[4 * MAX_KEY_LENGTH]);
            final int[] keyOffsets = new int[4];
            final int[] keyLengths = new int[4];
            for (int i = 0; i < 4; i++)
            {
                keyOffsets[i] = i * MAX_KEY_LENGTH;
                keyLengths[i] = keyOf(keys, keyOffsets[i], 1);
            }
            final UnsafeBuffer values = new UnsafeBuffer(new byte[4 * 16]);
            final int[] results = new int[4];
            final long[] keyHashes = new long[4];
            Arrays.fill(results, 42);

            assertThatThrownBy(() -> reader.getAll(keys, keyOffsets, keyLengths, 5, values, 0, 16, results,
                keyHashes)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count 5");
            assertThatThrownBy(() -> reader.getAll(keys, keyOffsets, keyLengths, -1, values, 0, 16, results,
                keyHashes)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count -1");
            assertThatThrownBy(() -> reader.getAll(keys, keyOffsets, keyLengths, 4, values, 1, 16, results,
                keyHashes)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot hold 4 values");
            assertThatThrownBy(() -> reader.getAll(keys, keyOffsets, keyLengths, 4, values, 0, -16, results,
                keyHashes)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> reader.getAll(keys, keyOffsets, keyLengths, 4, values, 0, Integer.MAX_VALUE,
                results, keyHashes)).isInstanceOf(IllegalArgumentException.class);
            assertThat(results).as("nothing was read").containsOnly(42);

            assertThat(reader.getAll(keys, keyOffsets, keyLengths, 4, values, 0, 16, results, keyHashes))
                .isEqualTo(4);
            assertThat(results).containsOnly(8);
            assertThat(reader.getAll(keys, keyOffsets, keyLengths, 0, values, 0, 16, results, keyHashes)).isZero();
        }
    }

    private static byte[] untouched(final int length)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, UNTOUCHED);
        return bytes;
    }

    /**
     * Writes the key of an id ("key-" and the id in decimal) and returns its length.
     */
    private static int keyOf(final UnsafeBuffer buffer, final int offset, final int id)
    {
        return buffer.putStringWithoutLengthAscii(offset, "key-" + id);
    }

    private void put(final CacheStateMachine cache, final int id, final int valueLength, final long ttlNanos)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[MAX_KEY_LENGTH]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[Math.max(1, valueLength)]);
        for (int i = 0; i < valueLength; i++)
        {
            value.putByte(i, (byte)(id + i));
        }
        final int keyLength = keyOf(key, 0, id);
        apply(cache, commands.wrap(command, 0).put(CachePutMode.PUT, key, 0, keyLength, value, 0, valueLength,
            ttlNanos, 0));
    }

    private void remove(final CacheStateMachine cache, final int id)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[MAX_KEY_LENGTH]);
        apply(cache, commands.wrap(command, 0).remove(key, 0, keyOf(key, 0, id), 0));
    }

    private void apply(final CacheStateMachine cache, final int length)
    {
        index++;
        cache.onLogTime(index, MILLISECOND);
        assertThat(cache.apply(index, MILLISECOND, 1, index, command, 0, length, response, 0)).isPositive();
    }
}
