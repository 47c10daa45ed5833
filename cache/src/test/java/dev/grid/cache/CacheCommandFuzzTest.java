package dev.grid.cache;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.grid.core.Fences;
import dev.grid.core.InMemorySnapshot;
import dev.grid.core.MessageBounds;
import dev.grid.sbe.CacheAccessHintsDecoder;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CacheResponseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.Status;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Structure-aware fuzzing of the cache's way in. The input is read as a sequence of choices: the cache's policy
 * and options (admission; for LFU, the sweep; a default TTL; an entry budget small enough to evict), then commands
 * a client could send (every template; keys from a small set so that they collide, some too long or empty; values
 * up to past the limit; TTLs, versions, fences), each possibly damaged afterwards (bytes flipped, cut short, stray
 * bytes appended). Each command goes to two replicas as the log would feed them. Whatever the bytes:
 * <ul>
 *     <li>apply never throws, both replicas answer with the same bytes and hold the same state (checksums);</li>
 *     <li>every answer is a well-formed message, and a refusal changes nothing;</li>
 *     <li>the entry and byte budgets hold;</li>
 *     <li>a local reader finds exactly the unexpired entries the store holds, with their values;</li>
 *     <li>a snapshot restores a replica that answers and changes as the original.</li>
 * </ul>
 * The default test run feeds {@value #GENERATED_INPUTS} inputs generated from fixed seeds, and Jazzer replays its
 * regression inputs; {@code JAZZER_FUZZ=1 mvn test -Dtest=CacheCommandFuzzTest -pl cache} fuzzes for real, guided
 * by coverage (corpus under .cifuzz-corpus, not committed).
 */
class CacheCommandFuzzTest
{
    private static final int GENERATED_INPUTS = 400;
    private static final long MILLISECOND = 1_000_000L;
    /** The first of {@link Replicas#applyToBoth}'s steps (0..7) that moves log time, by a millisecond. */
    private static final int MILLISECOND_STEP = 4;
    /** The entry budgets an input chooses from: small, so that its commands evict. */
    private static final int[] MAX_ENTRIES = {3, 6, 16};
    private static final int BLOCK_SIZE = 32;
    private static final int BLOCKS_PER_ENTRY = 3;
    private static final int MAX_KEY_LENGTH = 24;
    private static final int MAX_VALUE_LENGTH = 80;
    /** Keys 0..KEYS-1 are valid; KEYS is one byte too long, KEYS + 1 empty. */
    private static final int KEYS = 40;
    private static final int COMMAND_CAPACITY = 4096;
    private static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;
    private static final UnsafeBuffer LOCK = new UnsafeBuffer("a-lock".getBytes(StandardCharsets.US_ASCII));
    private static final long CURRENT_TOKEN = 2;
    private static final Fences FENCES = (name, offset, length, token) -> CURRENT_TOKEN == token;

    @FuzzTest(maxDuration = "10s")
    void anyCommandBytesKeepReplicasEqualAndStoredEntriesIntact(final byte[] input)
    {
        run(input);
    }

    @Test
    void generatedInputsKeepReplicasEqualAndStoredEntriesIntact()
    {
        final Totals totals = new Totals();
        for (int seed = 0; seed < GENERATED_INPUTS; seed++)
        {
            final SplittableRandom random = new SplittableRandom(seed);
            final byte[] input = new byte[64 + random.nextInt(6144)];
            random.nextBytes(input);
            totals.add(run(input));
        }
        assertThat(totals.changed).as("commands that succeeded").isGreaterThan(GENERATED_INPUTS * 40L);
        assertThat(totals.refused).as("commands refused").isGreaterThan(GENERATED_INPUTS * 15L);
        assertThat(totals.evictions).as("evictions").isGreaterThan(GENERATED_INPUTS * 10L);
        assertThat(totals.evictionsAmidCommands).as("evictions among the fuzzed commands, before the snapshot")
            .isGreaterThan(GENERATED_INPUTS * 3L);
        assertThat(totals.expirations).as("expirations").isGreaterThan(GENERATED_INPUTS * 2L);
        assertThat(totals.readerHits).as("entries the local reader found").isGreaterThan(GENERATED_INPUTS * 100L);
    }

    private static Totals run(final byte[] input)
    {
        final Choices choices = new Choices(input);
        final CachePolicy policy = choices.next(2) == 0 ? CachePolicy.LRU : CachePolicy.LFU;
        final boolean admission = choices.next(3) == 0;
        final boolean lfuSweep = CachePolicy.LFU == policy && choices.next(2) == 0;
        final long defaultTtl = choices.next(3) == 0 ? 200 * MILLISECOND : 0;
        final int maxEntries = MAX_ENTRIES[choices.next(MAX_ENTRIES.length)];
        try (Replicas replicas = new Replicas(() -> new CacheContext().name("fuzzed").serviceId(7).policy(policy)
            .admission(admission).lfuSweep(lfuSweep).defaultTtlNanos(defaultTtl).maxEntries(maxEntries)
            .blockSize(BLOCK_SIZE).memoryBudgetBytes((long)maxEntries * BLOCK_SIZE * BLOCKS_PER_ENTRY)
            .maxKeyLength(MAX_KEY_LENGTH).maxValueLength(MAX_VALUE_LENGTH).lfuDecayNanos(100 * MILLISECOND)))
        {
            while (!choices.exhausted())
            {
                replicas.applyToBoth(choices.next(8), replicas.encode(choices));
                replicas.checkEveryStoredEntryIsReadable();
            }
            replicas.totals.evictionsAmidCommands = replicas.first.evictions();
            replicas.checkASnapshotGoesOnAsTheOriginal();
            replicas.totals.evictions = replicas.first.evictions();
            replicas.totals.expirations = replicas.first.expirations();
            return replicas.totals;
        }
    }

    /**
     * Two replicas fed the same commands, the buffers to encode them in, and what was checked.
     */
    private static final class Replicas implements AutoCloseable
    {
        private final Supplier<CacheContext> contexts;
        private final int maxEntries;
        private final long memoryBudget;
        private final CacheCommands commands = new CacheCommands();
        private final UnsafeBuffer command = new UnsafeBuffer(new byte[COMMAND_CAPACITY]);
        private final UnsafeBuffer firstResponse = new UnsafeBuffer(new byte[COMMAND_CAPACITY]);
        private final UnsafeBuffer secondResponse = new UnsafeBuffer(new byte[COMMAND_CAPACITY]);
        private final UnsafeBuffer key = new UnsafeBuffer(new byte[MAX_KEY_LENGTH + 1]);
        private final UnsafeBuffer value = new UnsafeBuffer(new byte[MAX_VALUE_LENGTH + 16]);
        private final UnsafeBuffer readInto = new UnsafeBuffer(new byte[MAX_VALUE_LENGTH]);
        private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(MAX_KEY_LENGTH + MAX_VALUE_LENGTH);
        private final AccessHintBatch hints = new AccessHintBatch(8);
        private final CacheResponseDecoder responseDecoder = new CacheResponseDecoder();
        private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
        private final Totals totals = new Totals();
        private final CacheStateMachine first;
        private final CacheReader reader;
        private CacheStateMachine second;
        private int keyLength;
        private long index;
        private long timestamp;
        private long lastVersion;

        Replicas(final Supplier<CacheContext> contexts)
        {
            this.contexts = contexts;
            final CacheContext context = contexts.get();
            maxEntries = context.maxEntries();
            memoryBudget = context.memoryBudgetBytes();
            first = new CacheStateMachine(contexts.get(), FENCES);
            second = new CacheStateMachine(contexts.get(), FENCES);
            reader = first.newReader();
        }

        /**
         * Encodes the next command at offset 0 of {@link #command}, then damages it if the input says so.
         *
         * @return the length to apply.
         */
        int encode(final Choices choices)
        {
            final CacheCommands commands = this.commands.wrap(command, 0);
            if (choices.next(4) == 0)
            {
                commands.fence(LOCK, 0, LOCK.capacity(), 1 + choices.next(3));
            }
            else
            {
                commands.noFence();
            }
            final int length;
            switch (choices.next(13))
            {
                case 0:
                case 1:
                    length = commands.get(key(choices), 0, keyLength);
                    break;
                case 2:
                case 3:
                case 4:
                    length = commands.put(CachePutMode.get((short)choices.next(4)), key(choices), 0, keyLength,
                        value, 0, value(choices), ttl(choices), version(choices));
                    break;
                case 5:
                    length = commands.remove(key(choices), 0, keyLength, version(choices));
                    break;
                case 6:
                    length = commands.increment(key(choices), 0, keyLength, choices.nextLong(), ttl(choices));
                    break;
                case 7:
                {
                    final int count = choices.next(6);
                    commands.getAllBegin(count);
                    for (int i = 0; i < count; i++)
                    {
                        commands.getAllKey(key(choices), 0, keyLength);
                    }
                    length = commands.getAllEnd();
                    break;
                }
                case 8:
                {
                    final int count = choices.next(6);
                    commands.putAllBegin(count, ttl(choices));
                    for (int i = 0; i < count; i++)
                    {
                        commands.putAllEntry(key(choices), 0, keyLength, value, 0, value(choices));
                    }
                    length = commands.putAllEnd();
                    break;
                }
                case 9:
                    length = choices.next(8) == 0 ? commands.clear() : commands.stats();
                    break;
                default:
                {
                    hints.reset();
                    for (int i = choices.next(9); i > 0; i--)
                    {
                        hints.add(KeyHash.hash(key(choices), 0, keyLength));
                    }
                    length = hints.encode(command, 0);
                    break;
                }
            }
            return damage(choices, length);
        }

        /**
         * Flips, cuts or extends the command as the input says; most commands are left whole.
         */
        private int damage(final Choices choices, final int length)
        {
            int damaged = length;
            for (int kind = choices.next(8); kind < 3 && !choices.exhausted(); kind = choices.next(8))
            {
                switch (kind)
                {
                    case 0:
                        if (damaged > 0)
                        {
                            final int at = choices.next(damaged);
                            command.putByte(at, (byte)(command.getByte(at) ^ (1 + choices.next(255))));
                        }
                        break;
                    case 1:
                        damaged = choices.next(damaged + 1);
                        break;
                    default:
                        for (int i = choices.next(16); i > 0 && damaged < COMMAND_CAPACITY; i--)
                        {
                            command.putByte(damaged++, (byte)choices.next(256));
                        }
                        break;
                }
            }
            return damaged;
        }

        /**
         * @return {@link #key}, holding key {@code id}: ids below {@link #KEYS} are valid and distinct, one is too
         * long, one is empty; its length is left in {@link #keyLength}.
         */
        private UnsafeBuffer key(final Choices choices)
        {
            return keyOf(choices.next(KEYS + 2));
        }

        private UnsafeBuffer keyOf(final int id)
        {
            keyLength = id < KEYS ? 1 + id % MAX_KEY_LENGTH : id == KEYS ? MAX_KEY_LENGTH + 1 : 0;
            for (int i = 0; i < keyLength; i++)
            {
                key.putByte(i, (byte)(id * 31 + i));
            }
            return key;
        }

        /**
         * Fills {@link #value}; one length in eight is past the limit.
         *
         * @return its length.
         */
        private int value(final Choices choices)
        {
            final int length = choices.next(8) == 0 ? MAX_VALUE_LENGTH + 1 + choices.next(16) :
                choices.next(MAX_VALUE_LENGTH + 1);
            final int seed = choices.next(256);
            for (int i = 0; i < length; i++)
            {
                value.putByte(i, (byte)(seed + i));
            }
            return length;
        }

        private static long ttl(final Choices choices)
        {
            switch (choices.next(6))
            {
                case 1:
                    return 50 * MILLISECOND;
                case 2:
                    return 500 * MILLISECOND;
                case 3:
                    return -1;
                case 4:
                    return Long.MAX_VALUE;
                case 5:
                    return 1;
                default:
                    return 0;
            }
        }

        private long version(final Choices choices)
        {
            switch (choices.next(4))
            {
                case 1:
                    return lastVersion;
                case 2:
                    return lastVersion - 1;
                case 3:
                    return choices.nextLong();
                default:
                    return 0;
            }
        }

        /**
         * Applies the command as the next log entry on both replicas, {@code step} (0-7) choosing how far log time
         * moves, and checks what every command must leave.
         */
        void applyToBoth(final int step, final int length)
        {
            index++;
            // Most commands come in the same millisecond, so that entries live long enough to fill the cache.
            timestamp += step < MILLISECOND_STEP ? 0 : step < 6 ? MILLISECOND : step == 6 ? 50 * MILLISECOND :
                300 * MILLISECOND;
            first.onLogTime(index, timestamp);
            second.onLogTime(index, timestamp);
            final long before = first.checksum();
            assertThat(second.checksum()).as("replicas before entry %d", index).isEqualTo(before);

            final int answered = first.apply(index, timestamp, 1, index, command, 0, length, firstResponse, 0);
            final int secondAnswered = second.apply(index, timestamp, 1, index, command, 0, length, secondResponse, 0);
            assertThat(secondAnswered).as("answer length of entry %d", index).isEqualTo(answered);
            assertThat(new UnsafeBuffer(secondResponse, 0, answered))
                .as("answer to entry %d", index).isEqualTo(new UnsafeBuffer(firstResponse, 0, answered));
            assertThat(second.checksum()).as("replicas after entry %d", index).isEqualTo(first.checksum());
            assertThat(first.entries()).isBetween(0, maxEntries);
            assertThat(first.bytesUsed()).isBetween(0L, memoryBudget);

            if (0 == answered)
            {
                assertThat(headerDecoder.wrap(command, 0).templateId())
                    .as("only access hints go unanswered").isEqualTo(CacheAccessHintsDecoder.TEMPLATE_ID);
                return;
            }
            assertThat(MessageBounds.instance().check(firstResponse, 0, answered))
                .as("a well-formed answer to entry %d", index).isEqualTo(answered);
            final Status status = Status.get(firstResponse.getByte(HEADER_LENGTH));
            switch (status)
            {
                case OK:
                    totals.changed++;
                    if (CacheResponseDecoder.TEMPLATE_ID == headerDecoder.wrap(firstResponse, 0).templateId())
                    {
                        lastVersion = responseDecoder.wrapAndApplyHeader(firstResponse, 0, headerDecoder).version();
                    }
                    break;
                case NOT_FOUND:
                case ALREADY_EXISTS:
                case VERSION_MISMATCH:
                case LIMIT_EXCEEDED:
                    break;
                default:
                    // A refusal: only lookups that found an expired entry may change state, and refusals come first.
                    assertThat(first.checksum()).as("refused entry %d (%s) changed nothing", index, status)
                        .isEqualTo(before);
                    totals.refused++;
                    break;
            }
        }

        /**
         * Walks the store's entries and checks that the local reader finds each unexpired one with its value, and
         * misses every valid key the store does not hold.
         */
        void checkEveryStoredEntryIsReadable()
        {
            final CacheStore store = first.store();
            final Map<String, byte[]> unexpired = new HashMap<>();
            int walked = 0;
            for (int slot = store.firstInOrder(); CacheStore.NONE != slot; slot = store.nextInOrder(slot))
            {
                walked++;
                final int offset = slot * store.stride;
                final int storedKeyLength = store.slots.getInt(offset + CacheStore.KEY_LENGTH_OFFSET);
                final int valueLength = store.valueLength(slot);
                assertThat(storedKeyLength).isBetween(1, MAX_KEY_LENGTH);
                assertThat(valueLength).isBetween(0, MAX_VALUE_LENGTH);
                assertThat(store.readStream(slot, 0, scratch, 0, storedKeyLength + valueLength)).isTrue();
                if (store.slots.getLong(offset + CacheStore.EXPIRE_AT_OFFSET) > store.now())
                {
                    final byte[] storedKey = new byte[storedKeyLength];
                    scratch.getBytes(0, storedKey);
                    final byte[] storedValue = new byte[valueLength];
                    scratch.getBytes(storedKeyLength, storedValue);
                    assertThat(unexpired.put(new String(storedKey, StandardCharsets.ISO_8859_1), storedValue))
                        .as("one entry per key").isNull();

                    key.putBytes(0, storedKey);
                    assertThat(reader.get(key, 0, storedKeyLength, readInto, 0))
                        .as("the reader finds a stored entry").isEqualTo(valueLength);
                    final byte[] read = new byte[valueLength];
                    readInto.getBytes(0, read);
                    assertThat(read).as("the reader's value").isEqualTo(storedValue);
                    totals.readerHits++;
                }
            }
            assertThat(walked).as("the order holds every entry").isEqualTo(first.entries());
            for (int id = 0; id < KEYS; id++)
            {
                keyOf(id);
                final byte[] validKey = new byte[keyLength];
                key.getBytes(0, validKey);
                if (!unexpired.containsKey(new String(validKey, StandardCharsets.ISO_8859_1)))
                {
                    assertThat(reader.get(key, 0, keyLength, readInto, 0)).as("key %d is not stored", id)
                        .isEqualTo(CacheReader.MISS);
                }
            }
        }

        /**
         * Replaces the second replica with one restored from the first's snapshot, then feeds both a get and a put
         * of every key: the restored replica must answer and change as the original.
         */
        void checkASnapshotGoesOnAsTheOriginal()
        {
            final InMemorySnapshot snapshot = new InMemorySnapshot();
            first.snapshot(snapshot);
            second.close();
            second = new CacheStateMachine(contexts.get(), FENCES);
            second.restore(snapshot.rewind());
            assertThat(second.checksum()).as("restored").isEqualTo(first.checksum());
            for (int id = 0; id < KEYS; id++)
            {
                applyToBoth(MILLISECOND_STEP, commands.wrap(command, 0).noFence().get(keyOf(id), 0, keyLength));
                value.putLong(0, id, ByteOrder.LITTLE_ENDIAN);
                applyToBoth(MILLISECOND_STEP, commands.put(CachePutMode.PUT, keyOf(KEYS - 1 - id), 0, keyLength,
                    value, 0, Long.BYTES, 0, 0));
            }
        }

        public void close()
        {
            first.close();
            second.close();
        }
    }

    /**
     * The input read as a sequence of choices; once it is used up every choice is 0.
     */
    private static final class Choices
    {
        private final byte[] input;
        private int position;

        Choices(final byte[] input)
        {
            this.input = input;
        }

        boolean exhausted()
        {
            return position >= input.length;
        }

        /**
         * @return a choice in {@code [0, bound)}: one byte for bounds up to 256, two above.
         */
        int next(final int bound)
        {
            int value = nextByte();
            if (bound > 256)
            {
                value = value << 8 | nextByte();
            }
            return value % bound;
        }

        long nextLong()
        {
            long value = 0;
            for (int i = 0; i < Long.BYTES; i++)
            {
                value = value << 8 | nextByte();
            }
            return value;
        }

        private int nextByte()
        {
            return position < input.length ? input[position++] & 0xFF : 0;
        }
    }

    private static final class Totals
    {
        long changed;
        long refused;
        long evictions;
        long evictionsAmidCommands;
        long expirations;
        long readerHits;

        void add(final Totals other)
        {
            changed += other.changed;
            refused += other.refused;
            evictions += other.evictions;
            evictionsAmidCommands += other.evictionsAmidCommands;
            expirations += other.expirations;
            readerHits += other.readerHits;
        }
    }
}
