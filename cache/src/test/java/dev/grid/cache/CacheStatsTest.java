package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.Status;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stats getters a node publishes as counters, after known commands: the replicated ones (what CacheStats answers)
 * and the reads {@link CacheStateMachine#query} answered, which are this node's own and never replicated.
 */
class CacheStatsTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final int BLOCK_SIZE = 32;
    private static final int MAX_ENTRIES = 8;

    private final CacheStateMachine cache = new CacheStateMachine(new CacheContext().name("stats").serviceId(3)
        .maxEntries(MAX_ENTRIES).blockSize(BLOCK_SIZE).memoryBudgetBytes(64 * BLOCK_SIZE).maxKeyLength(16)
        .maxValueLength(96).sweepBudget(0), Fences.NONE);
    private final CacheHarness h = new CacheHarness(cache);

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private Status query(final String key)
    {
        final byte[] keyBytes = bytes(key);
        final int length = h.commands.wrap(h.command, 0).get(CacheHarness.wrap(keyBytes), 0, keyBytes.length);
        cache.query(h.command, 0, length, h.response, 0);
        return h.decode().status();
    }

    @Test
    void gettersCountWhatKnownCommandsDid()
    {
        try (cache)
        {
            h.timestamp = SECOND;
            h.put(bytes("a"), bytes("one"));
            h.put(bytes("b"), new byte[80]);
            assertThat(cache.entries()).isEqualTo(2);
            assertThat(cache.bytesUsed()).as("1 block for a, 3 for b").isEqualTo(4L * BLOCK_SIZE);

            assertThat(h.get(bytes("a")).status()).isEqualTo(Status.OK);
            assertThat(h.get(bytes("z")).status()).isEqualTo(Status.NOT_FOUND);
            h.hints(new long[] {KeyHash.hash(CacheHarness.wrap(bytes("a")), 0, 1)});
            assertThat(new long[] {cache.hits(), cache.misses()}).as("log gets and hints").containsExactly(2, 1);

            assertThat(query("a")).isEqualTo(Status.OK);
            assertThat(query("a")).isEqualTo(Status.OK);
            assertThat(query("z")).isEqualTo(Status.NOT_FOUND);
            assertThat(new long[] {cache.queryHits(), cache.queryMisses()}).containsExactly(2, 1);
            assertThat(new long[] {cache.hits(), cache.misses()}).as("a query changes no replicated stat")
                .containsExactly(2, 1);

            h.put(CachePutMode.PUT, bytes("t"), bytes("soon"), SECOND, 0);
            h.timestamp = 3 * SECOND;
            h.stats();
            assertThat(query("t")).as("expired, seen by a read").isEqualTo(Status.NOT_FOUND);
            assertThat(cache.expirations()).as("no sweep, and a read removes nothing").isZero();
            assertThat(h.get(bytes("t")).status()).isEqualTo(Status.NOT_FOUND);
            assertThat(cache.expirations()).isEqualTo(1);
            assertThat(new long[] {cache.misses(), cache.queryMisses()}).containsExactly(2, 2);

            for (int i = 0; i < MAX_ENTRIES + 3; i++)
            {
                h.put(bytes("k" + i), bytes("v"));
            }
            assertThat(cache.entries()).isEqualTo(MAX_ENTRIES);
            assertThat(cache.evictions()).as("2 entries were there, 11 put into 8 slots").isEqualTo(5);
            assertThat(cache.bytesUsed()).isEqualTo((long)MAX_ENTRIES * BLOCK_SIZE);

            final long[] stats = h.stats();
            assertThat(stats).as("the getters are what CacheStats answers").startsWith(
                cache.hits(), cache.misses(), cache.evictions(), cache.expirations(), cache.entries(),
                cache.bytesUsed());
        }
    }
}
