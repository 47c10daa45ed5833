package dev.grid.log;

import dev.grid.core.LogEntryView;
import dev.grid.core.LogEntryWriter;
import dev.grid.sbe.EntryType;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Thousands of random appends, batches, truncations, compactions, resets, reopens and misuses against the plain
 * {@link ReferenceLog}, with every entry, term and bound compared after every step.
 */
class RaftLogModelTest
{
    private static final int MAX_ENTRY_LENGTH = 8 * 1024;
    private static final EntryType[] TYPES = { EntryType.COMMAND, EntryType.NOOP, EntryType.SESSION_OPEN };

    @TempDir
    Path dir;

    private final LogEntryWriter writer = new LogEntryWriter();
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(64 * 1024);
    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[MAX_ENTRY_LENGTH]);

    /** How many seeds each log runs; more with {@code -Dgrid.log.model.seeds=N}. */
    private static final int SEEDS = Integer.getInteger("grid.log.model.seeds", 2);
    private static final long SEED_START = Long.getLong("grid.log.model.seedStart", 1);

    @Test
    void chronicleLogMatchesTheModel() throws Exception
    {
        for (long seed = SEED_START; seed < SEED_START + SEEDS; seed++)
        {
            final Path seedDir = Files.createDirectories(dir.resolve("seed-" + seed));
            final Supplier<RaftLog> opener = () -> ChronicleRaftLog.open(new ChronicleRaftLog.Context()
                .directory(seedDir)
                .syncPolicy(SyncPolicy.BATCH)
                .maxEntryLength(MAX_ENTRY_LENGTH)
                .blockSize(64 * 1024)
                .segmentLength(48 * 1024)
                .verifyReads(true));
            run(seed, 2_500, opener, null);
        }
    }

    @Test
    void inMemoryLogMatchesTheModelAcrossCrashes()
    {
        for (long seed = SEED_START; seed < SEED_START + SEEDS; seed++)
        {
            final InMemoryRaftLog log = new InMemoryRaftLog(SyncPolicy.BATCH, MAX_ENTRY_LENGTH);
            run(seed, 10_000, () ->
            {
                log.reopen();
                return log;
            }, log);
        }
    }

    /**
     * @param crashable the in-memory log, whose crashes the model follows by returning to what was last synced;
     *                  null for the Chronicle log, which only reopens.
     */
    private void run(final long seed, final int steps, final Supplier<RaftLog> opener,
        final InMemoryRaftLog crashable)
    {
        final Random random = new Random(seed);
        ReferenceLog model = new ReferenceLog();
        ReferenceLog durable = model.copy();
        final boolean fullCompare = null == crashable;
        RaftLog log = opener.get();
        try
        {
            for (int step = 0; step < steps; step++)
            {
                final int op = random.nextInt(100);
                final String description;
                if (op < 35)
                {
                    description = appendOne(random, log, model);
                }
                else if (op < 50)
                {
                    description = appendBatch(random, log, model);
                }
                else if (op < 58)
                {
                    final long index = model.firstIndex() + random.nextInt((int)(model.lastIndex() - model.baseIndex + 1));
                    log.truncateFrom(index);
                    model.truncateFrom(index);
                    description = "truncateFrom " + index;
                }
                else if (op < 64)
                {
                    final long index = model.baseIndex + random.nextInt((int)(model.lastIndex() - model.baseIndex + 1));
                    log.compactTo(index);
                    if (index > model.baseIndex)
                    {
                        model.compactTo(index);
                        durable = model.copy();
                    }
                    description = "compactTo " + index;
                }
                else if (op < 66)
                {
                    final long index = model.baseIndex + random.nextInt((int)(model.lastIndex() - model.baseIndex + 12));
                    final long term = model.lastTerm() + random.nextInt(2);
                    log.reset(index, term);
                    model.reset(index, term);
                    durable = model.copy();
                    description = "reset " + index + "/" + term;
                }
                else if (op < 71)
                {
                    log.close();
                    log = opener.get();
                    description = "reopen";
                }
                else if (op < 74)
                {
                    log.sync();
                    durable = model.copy();
                    description = "sync";
                }
                else if (op < 76 && null != crashable)
                {
                    crashable.crash();
                    final ReferenceLog survivor = durable.copy();
                    survivor.currentTerm = model.currentTerm;
                    survivor.votedFor = model.votedFor;
                    model = survivor;
                    description = "crash";
                }
                else if (op < 82)
                {
                    description = misuse(random, log, model);
                }
                else if (op < 90)
                {
                    description = vote(random, log, model);
                }
                else
                {
                    description = "read";
                }

                final String where = "seed " + seed + " step " + step + " (" + description + ")";
                compare(random, log, model, fullCompare || step % 10 == 0, where);
            }
        }
        finally
        {
            log.close();
        }
    }

    private String appendOne(final Random random, final RaftLog log, final ReferenceLog model)
    {
        final long index = model.lastIndex() + 1;
        final long term = nextTerm(random, model.lastTerm());
        final int length = payloadLength(random);
        fillPayload(random, length);
        final EntryType type = TYPES[random.nextInt(TYPES.length)];
        final long timestamp = random.nextLong();
        final int serviceId = random.nextInt(8);
        final long session = random.nextInt(100);
        final long sequence = random.nextInt(1000);
        log.append(index, term, timestamp, type, serviceId, session, sequence, payload, 0, length);
        final int encoded = writer.write(scratch, 0, term, index, timestamp, type, serviceId, session, sequence,
            payload, 0, length);
        model.append(term, copy(0, encoded));
        return "append " + index + "/" + term + " " + length + "B";
    }

    private String appendBatch(final Random random, final RaftLog log, final ReferenceLog model)
    {
        final int count = 1 + random.nextInt(8);
        long term = model.lastTerm();
        int position = 0;
        final int[] lengths = new int[count];
        final long[] terms = new long[count];
        for (int i = 0; i < count; i++)
        {
            term = nextTerm(random, term);
            final int length = payloadLength(random);
            fillPayload(random, length);
            lengths[i] = writer.write(scratch, position, term, model.lastIndex() + 1 + i, random.nextLong(),
                EntryType.COMMAND, 1, 2, i, payload, 0, length);
            terms[i] = term;
            position += lengths[i];
        }
        assertThat(log.appendEntries(scratch, 0, position)).isEqualTo(count);
        position = 0;
        for (int i = 0; i < count; i++)
        {
            model.append(terms[i], copy(position, lengths[i]));
            position += lengths[i];
        }
        return "appendEntries " + count;
    }

    private String misuse(final Random random, final RaftLog log, final ReferenceLog model)
    {
        final int kind = random.nextInt(8);
        final long last = model.lastIndex();
        switch (kind)
        {
            case 0:
                assertThatThrownBy(() -> log.append(last + 2, model.lastTerm(), 0, EntryType.NOOP, 0, 0, 0, payload,
                    0, 0)).isInstanceOf(LogException.class).hasMessageContaining("next index");
                return "misuse: gap";
            case 1:
                if (model.lastTerm() == 0)
                {
                    return "misuse: none";
                }
                assertThatThrownBy(() -> log.append(last + 1, model.lastTerm() - 1, 0, EntryType.NOOP, 0, 0, 0,
                    payload, 0, 0)).isInstanceOf(LogException.class).hasMessageContaining("after term");
                return "misuse: lower term";
            case 2:
                if (model.baseIndex == 0)
                {
                    return "misuse: none";
                }
                assertThatThrownBy(() -> log.entry(model.baseIndex - random.nextInt((int)model.baseIndex)))
                    .isInstanceOf(LogException.class).hasMessageContaining("compacted");
                return "misuse: read compacted";
            case 3:
                assertThatThrownBy(() -> log.entry(last + 1 + random.nextInt(5)))
                    .isInstanceOf(LogException.class).hasMessageContaining("past the end");
                return "misuse: read past end";
            case 4:
                assertThatThrownBy(() -> log.truncateFrom(last + 2)).isInstanceOf(LogException.class);
                return "misuse: truncate past end";
            case 5:
                assertThatThrownBy(() -> log.compactTo(last + 1)).isInstanceOf(LogException.class);
                return "misuse: compact past end";
            case 6:
            {
                final int first = writer.write(scratch, 0, model.lastTerm(), last + 1, 0, EntryType.NOOP, 0, 0, 0,
                    payload, 0, 10);
                final int second = writer.write(scratch, first, model.lastTerm(), last + 2, 0, EntryType.NOOP, 0, 0,
                    0, payload, 0, 10);
                scratch.putByte(first + second - 3, (byte)~scratch.getByte(first + second - 3));
                assertThatThrownBy(() -> log.appendEntries(scratch, 0, first + second))
                    .isInstanceOf(LogException.class).hasMessageContaining("CHECKSUM_MISMATCH");
                return "misuse: batch with a damaged entry";
            }
            default:
            {
                final int tooLong = MAX_ENTRY_LENGTH;
                assertThatThrownBy(() -> log.append(last + 1, model.lastTerm(), 0, EntryType.COMMAND, 0, 0, 0,
                    new UnsafeBuffer(new byte[tooLong]), 0, tooLong))
                    .isInstanceOf(LogException.class).hasMessageContaining("maximum");
                return "misuse: entry too long";
            }
        }
    }

    private String vote(final Random random, final RaftLog log, final ReferenceLog model)
    {
        final long term = model.currentTerm + random.nextInt(3) - (random.nextInt(10) == 0 ? 1 : 0);
        final int vote = random.nextInt(4) - 1;
        final boolean valid = term > model.currentTerm ||
            (term == model.currentTerm && (model.votedFor == RaftLog.NO_VOTE || model.votedFor == vote));
        if (valid)
        {
            log.storeTermAndVote(term, vote);
            model.currentTerm = term;
            model.votedFor = vote;
        }
        else
        {
            assertThatThrownBy(() -> log.storeTermAndVote(term, vote)).isInstanceOf(LogException.class);
        }
        return "vote " + term + "/" + vote + (valid ? "" : " (refused)");
    }

    private void compare(final Random random, final RaftLog log, final ReferenceLog model, final boolean everyEntry,
        final String where)
    {
        assertThat(log.firstIndex()).as("firstIndex after %s", where).isEqualTo(model.firstIndex());
        assertThat(log.lastIndex()).as("lastIndex after %s", where).isEqualTo(model.lastIndex());
        assertThat(log.lastTerm()).as("lastTerm after %s", where).isEqualTo(model.lastTerm());
        assertThat(log.currentTerm()).as("currentTerm after %s", where).isEqualTo(model.currentTerm);
        assertThat(log.votedFor()).as("votedFor after %s", where).isEqualTo(model.votedFor);
        assertThat(log.termAt(model.baseIndex)).as("base term after %s", where).isEqualTo(model.baseTerm);
        if (everyEntry)
        {
            for (long index = model.firstIndex(); index <= model.lastIndex(); index++)
            {
                compareEntry(log, model, index, where);
            }
        }
        else if (model.lastIndex() >= model.firstIndex())
        {
            for (int i = 0; i < 5; i++)
            {
                final long index = model.firstIndex() + random.nextInt((int)(model.lastIndex() - model.baseIndex));
                compareEntry(log, model, index, where);
            }
        }
    }

    private static void compareEntry(final RaftLog log, final ReferenceLog model, final long index, final String where)
    {
        assertThat(log.termAt(index)).as("termAt(%d) after %s", index, where).isEqualTo(model.termAt(index));
        final LogEntryView view = log.entry(index);
        final byte[] expected = model.entry(index);
        if (view.encodedLength() != expected.length)
        {
            fail("entry " + index + " after " + where + " has " + view.encodedLength() + " bytes, expected " +
                expected.length);
        }
        final byte[] actual = new byte[expected.length];
        view.buffer().getBytes(view.offset(), actual);
        assertThat(actual).as("entry %d after %s", index, where).isEqualTo(expected);
    }

    private static long nextTerm(final Random random, final long term)
    {
        return random.nextInt(20) == 0 ? term + 1 + random.nextInt(2) : term;
    }

    private static int payloadLength(final Random random)
    {
        final int kind = random.nextInt(20);
        return kind == 0 ? 0 : kind == 1 ? 1_000 + random.nextInt(MAX_ENTRY_LENGTH - 1_100) : random.nextInt(300);
    }

    private void fillPayload(final Random random, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            payload.putByte(i, (byte)random.nextInt());
        }
    }

    private byte[] copy(final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        scratch.getBytes(offset, bytes);
        return bytes;
    }
}
