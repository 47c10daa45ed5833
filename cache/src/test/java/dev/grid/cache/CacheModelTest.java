package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model-based: long random sequences of every cache command (gets, all put modes, removes, increments, getAll,
 * putAll, access hints, clear, bad input, fenced writes, TTLs, time jumps) applied to the off-heap cache and to
 * {@link ReferenceCache}; after every command the responses, the whole replicated order (LRU: the eviction order;
 * LFU: the member array with every score, so every sampled eviction decision and every counter), the stats and the
 * budgets must agree. LFU runs with 1, 5 and more samples than entries,
 * sampled uniformly and by the sweep; admission both where bytes and where the
 * entry count bind. Longer runs:
 * {@code -Dgrid.cache.model.ops=1000000}.
 */
class CacheModelTest
{
    private static final int OPS = Integer.getInteger("grid.cache.model.ops", 20_000);
    private static final long DECAY = 1_000_000_000L;
    private static final long GOOD_TOKEN = 7;
    private static final int MAX_ENTRIES = 32;
    /** A budget that binds before the entry count does (values up to 100 bytes in 32-byte blocks). */
    private static final int BYTES_BOUND = MAX_ENTRIES * 48;
    /**
     * Room for every entry at its largest: the entry count binds, so the admission window and the main order's
     * segments fill as they would in a cache of small values.
     */
    private static final int COUNT_BOUND = MAX_ENTRIES * 32 * 5;

    static Stream<Arguments> configurations()
    {
        return Stream.of(
            Arguments.of(CachePolicy.LRU, 0L, 5, false, false, 1L, BYTES_BOUND),
            Arguments.of(CachePolicy.LFU, 0L, 5, false, false, 2L, BYTES_BOUND),
            Arguments.of(CachePolicy.LRU, 20 * DECAY, 5, false, false, 3L, BYTES_BOUND),
            Arguments.of(CachePolicy.LFU, 20 * DECAY, 5, false, false, 4L, BYTES_BOUND),
            Arguments.of(CachePolicy.LFU, 0L, 1, false, false, 5L, BYTES_BOUND),
            Arguments.of(CachePolicy.LFU, 20 * DECAY, 40, false, false, 6L, BYTES_BOUND),
            Arguments.of(CachePolicy.LRU, 0L, 5, false, true, 7L, BYTES_BOUND),
            Arguments.of(CachePolicy.LFU, 20 * DECAY, 5, false, true, 8L, BYTES_BOUND),
            Arguments.of(CachePolicy.LRU, 0L, 5, false, true, 9L, COUNT_BOUND),
            Arguments.of(CachePolicy.LFU, 0L, 5, false, true, 10L, COUNT_BOUND),
            Arguments.of(CachePolicy.LFU, 20 * DECAY, 5, true, false, 11L, BYTES_BOUND),
            Arguments.of(CachePolicy.LFU, 0L, 40, true, false, 12L, COUNT_BOUND),
            Arguments.of(CachePolicy.LFU, 0L, 5, true, true, 13L, COUNT_BOUND));
    }

    private static final Fences FENCES = (lockName, offset, length, token) ->
        token == GOOD_TOKEN && length == CacheHarness.LOCK.capacity() &&
        lockName.getStringWithoutLengthAscii(offset, length).equals("orders-lock");

    @ParameterizedTest
    @MethodSource("configurations")
    void matchesTheReferenceOnRandomSequences(
        final CachePolicy policy,
        final long defaultTtl,
        final int lfuSamples,
        final boolean lfuSweep,
        final boolean admission,
        final long seed,
        final int memoryBudgetBytes)
    {
        final CacheContext context = new CacheContext()
            .name("model").serviceId(1).policy(policy)
            .maxEntries(MAX_ENTRIES).blockSize(32).memoryBudgetBytes(memoryBudgetBytes)
            .maxKeyLength(24).maxValueLength(100).defaultTtlNanos(defaultTtl)
            .sweepBudget(3).lfuLogFactor(2).lfuDecayNanos(DECAY).lfuSamples(lfuSamples).lfuSeed(seed * 31)
            .lfuSweep(lfuSweep)
            .admission(admission)
            .maxBatchSize(6);
        final ReferenceCache reference = new ReferenceCache(context.conclude());
        try (CacheStateMachine cache = new CacheStateMachine(context, FENCES))
        {
            final CacheHarness harness = new CacheHarness(cache);
            final SplittableRandom random = new SplittableRandom(seed);
            int errorsChecked = 0;
            for (int op = 0; op < OPS; op++)
            {
                harness.timestamp += random.nextInt(500) > 0 ? random.nextLong(DECAY / 10) :
                    random.nextLong(400 * DECAY);
                final long timestamp = harness.timestamp;
                final long index = harness.index + 1;
                reference.onLogTime(timestamp);
                final int choice = random.nextInt(100);
                final ReferenceCache.Result expected;
                final ReferenceCache.Result actual;
                if (choice < 25)
                {
                    final byte[] key = key(random);
                    expected = reference.get(timestamp, key);
                    actual = harness.get(key);
                }
                else if (choice < 50)
                {
                    final CachePutMode mode = CachePutMode.values()[random.nextInt(4)];
                    final byte[] key = key(random);
                    final byte[] value = value(random, 100);
                    final long ttl = ttl(random);
                    final long token = token(random);
                    final long expectedVersion = random.nextInt(3) == 0 ? random.nextLong(index) : index - 1 -
                        random.nextInt(5);
                    expected = reference.put(index, timestamp, mode, key, value, ttl, expectedVersion,
                        fenceAccepted(token));
                    actual = harness.fence(token).put(mode, key, value, ttl, expectedVersion);
                }
                else if (choice < 55)
                {
                    final byte[] key = key(random);
                    final long token = token(random);
                    final long expectedVersion = random.nextBoolean() ? 0 : index - 1 - random.nextInt(20);
                    expected = reference.remove(timestamp, key, expectedVersion, fenceAccepted(token));
                    actual = harness.fence(token).remove(key, expectedVersion);
                }
                else if (choice < 62)
                {
                    final byte[] key = counterKey(random);
                    final long delta = random.nextInt(20) == 0 ? Long.MAX_VALUE : random.nextLong(-100, 100);
                    final long ttl = ttl(random);
                    expected = reference.increment(index, timestamp, key, delta, ttl);
                    actual = harness.fence(0).increment(key, delta, ttl);
                }
                else if (choice < 68)
                {
                    final List<byte[]> keys = new ArrayList<>();
                    final int n = random.nextInt(8);
                    for (int i = 0; i < n; i++)
                    {
                        keys.add(key(random));
                    }
                    final List<ReferenceCache.Result> expectedAll = reference.getAll(timestamp, keys);
                    final List<ReferenceCache.Result> actualAll = harness.getAll(keys);
                    assertThat(actualAll).as("getAll at op %d", op).isEqualTo(expectedAll);
                    expected = null;
                    actual = null;
                }
                else if (choice < 74)
                {
                    final List<byte[]> keys = new ArrayList<>();
                    final List<byte[]> values = new ArrayList<>();
                    final int n = random.nextInt(8);
                    for (int i = 0; i < n; i++)
                    {
                        keys.add(key(random));
                        values.add(value(random, random.nextInt(10) == 0 ? 110 : 60));
                    }
                    final long token = token(random);
                    final long ttl = ttl(random);
                    expected = reference.putAll(index, timestamp, keys, values, ttl, fenceAccepted(token));
                    actual = harness.fence(token).putAll(keys, values, ttl);
                }
                else if (choice < 90)
                {
                    final long[] hashes = new long[random.nextInt(7)];
                    for (int i = 0; i < hashes.length; i++)
                    {
                        final byte[] key = key(random);
                        hashes[i] = KeyHash.hash(new UnsafeBuffer(key), 0, key.length);
                    }
                    reference.hints(timestamp, hashes);
                    harness.hints(hashes);
                    expected = null;
                    actual = null;
                }
                else if (choice < 91 && random.nextInt(10) == 0)
                {
                    final long token = token(random);
                    expected = reference.clear(timestamp, fenceAccepted(token));
                    actual = harness.fence(token).clear();
                }
                else
                {
                    final int garbage = 1 + random.nextInt(40);
                    for (int i = 0; i < garbage; i++)
                    {
                        harness.command.putByte(i, (byte)random.nextInt());
                    }
                    reference.advance(timestamp);
                    expected = new ReferenceCache.Result(Status.MALFORMED, 0, 0, new byte[0]);
                    actual = harness.applyForResult(garbage);
                }
                if (null != expected)
                {
                    assertThat(actual).as("op %d", op).isEqualTo(expected);
                    if (Status.OK != expected.status() && Status.NOT_FOUND != expected.status() &&
                        Status.ALREADY_EXISTS != expected.status() && Status.VERSION_MISMATCH != expected.status() &&
                        Status.LIMIT_EXCEEDED != expected.status())
                    {
                        assertThat(cache.checksum()).as("refused command changed state at op %d", op)
                            .isEqualTo(harness.checksumBeforeApply);
                        errorsChecked++;
                    }
                }
                assertThat(harness.evictionOrder()).as("replicated order at op %d", op)
                    .isEqualTo(reference.evictionOrder());
                assertThat(cache.entries()).isEqualTo(reference.entries()).isLessThanOrEqualTo(MAX_ENTRIES);
                assertThat(cache.bytesUsed()).isEqualTo(reference.bytesUsed()).isLessThanOrEqualTo(memoryBudgetBytes);
                assertThat(new long[] {cache.hits(), cache.misses(), cache.evictions(), cache.expirations()})
                    .as("stats at op %d", op)
                    .containsExactly(reference.hits, reference.misses, reference.evictions, reference.expirations);
            }
            assertThat(cache.evictions()).as("budgets were exercised").isGreaterThan(OPS / 50);
            assertThat(errorsChecked).as("bad input was exercised").isGreaterThan(OPS / 100);
            if (0 != defaultTtl)
            {
                assertThat(cache.expirations()).isGreaterThan(0);
            }
        }
    }

    private static Boolean fenceAccepted(final long token)
    {
        return 0 == token ? null : GOOD_TOKEN == token;
    }

    private static long token(final SplittableRandom random)
    {
        final int r = random.nextInt(20);
        return r == 0 ? GOOD_TOKEN : r == 1 ? 3 : 0;
    }

    private static long ttl(final SplittableRandom random)
    {
        final int r = random.nextInt(10);
        if (r < 6)
        {
            return 0;
        }
        if (r < 9)
        {
            return 1 + random.nextLong(30 * DECAY);
        }
        return r == 9 && random.nextBoolean() ? -1 : Long.MAX_VALUE;
    }

    static byte[] key(final SplittableRandom random)
    {
        final int r = random.nextInt(200);
        if (r == 0)
        {
            return new byte[0];
        }
        if (r == 1)
        {
            return new byte[25];
        }
        return keyOf(random.nextInt(80));
    }

    private static byte[] counterKey(final SplittableRandom random)
    {
        return keyOf(random.nextInt(8) * 10);
    }

    static byte[] keyOf(final int id)
    {
        final byte[] key = new byte[1 + (id * 7) % 24];
        for (int i = 0; i < key.length; i++)
        {
            key[i] = (byte)(id * 31 + i);
        }
        return key;
    }

    private static byte[] value(final SplittableRandom random, final int maxLength)
    {
        final byte[] value = new byte[random.nextInt(maxLength + 1)];
        for (int i = 0; i < value.length; i++)
        {
            value[i] = (byte)random.nextInt();
        }
        return value;
    }
}
