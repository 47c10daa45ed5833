package dev.grid.log;

import dev.grid.core.LogEntryView;
import dev.grid.core.LogEntryWriter;
import dev.grid.sbe.EntryType;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.collections.IntArrayList;

import java.util.Arrays;

/**
 * A {@link RaftLog} in memory, with crash semantics for simulation: {@link #crash()} loses every change not yet
 * made durable, as a machine failure loses unsynced pages. What is durable follows the sync policy: each change under
 * {@link SyncPolicy#EVERY_APPEND}, up to the last {@link #sync()} under {@link SyncPolicy#BATCH}, nothing the log was
 * not told to keep under {@link SyncPolicy#NONE}. Compaction and reset are durable when they return, whatever the
 * policy, and so is everything before them, as with the Chronicle log. Term and vote are always durable.
 */
public final class InMemoryRaftLog implements RaftLog
{
    private final SyncPolicy syncPolicy;
    private final int maxEntryLength;
    private final LogEntryWriter writer = new LogEntryWriter();
    private final LogEntryView view = new LogEntryView();
    private final LogEntryView batchView = new LogEntryView();
    private final IntArrayList batchLengths = new IntArrayList(LogPreconditions.BATCH_LENGTHS_CAPACITY, -1);
    private final Entries live = new Entries();
    private final Entries durable = new Entries();
    private long lowestUnsyncedIndex = Long.MAX_VALUE;
    private boolean baseUnsynced;
    private long currentTerm;
    private int votedFor = NO_VOTE;
    private boolean closed;

    public InMemoryRaftLog(final SyncPolicy syncPolicy)
    {
        this(syncPolicy, ChronicleRaftLog.Context.DEFAULT_MAX_ENTRY_LENGTH);
    }

    public InMemoryRaftLog(final SyncPolicy syncPolicy, final int maxEntryLength)
    {
        this.syncPolicy = syncPolicy;
        this.maxEntryLength = maxEntryLength;
    }

    public long firstIndex()
    {
        return live.baseIndex + 1;
    }

    public long lastIndex()
    {
        return live.lastIndex();
    }

    public long lastTerm()
    {
        return live.termAt(live.lastIndex());
    }

    public long termAt(final long index)
    {
        checkOpen();
        LogPreconditions.checkTermAt(this, index);
        return live.termAt(index);
    }

    public void append(
        final long index,
        final long term,
        final long timestamp,
        final EntryType entryType,
        final int serviceId,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        checkOpen();
        LogPreconditions.checkAppend(this, index, term, LogEntryWriter.encodedLength(payloadLength), maxEntryLength);
        final int offset = live.reserve(LogEntryWriter.encodedLength(payloadLength));
        final int length = writer.write(live.bytes, offset, term, index, timestamp, entryType, serviceId, sessionId,
            requestSequence, payload, payloadOffset, payloadLength);
        live.commitReserved(offset, length, term);
        changed(index, false);
    }

    public int appendEntries(final DirectBuffer buffer, final int offset, final int length)
    {
        checkOpen();
        final long firstNewIndex = lastIndex() + 1;
        final int count = LogPreconditions.verifyBatch(
            this, batchView, buffer, offset, length, maxEntryLength, batchLengths);
        int position = offset;
        for (int i = 0; i < count; i++)
        {
            final int entryLength = batchLengths.getInt(i);
            batchView.wrapVerified(buffer, position, entryLength);
            live.add(buffer, position, entryLength, batchView.term());
            position += entryLength;
        }
        if (count > 0)
        {
            changed(firstNewIndex, false);
        }
        return count;
    }

    public LogEntryView entry(final long index)
    {
        checkOpen();
        LogPreconditions.checkReadable(this, index);
        final int slot = live.slot(index);
        return view.wrapVerified(live.bytes, live.offsets[slot], live.lengths[slot]);
    }

    public void truncateFrom(final long index)
    {
        checkOpen();
        LogPreconditions.checkTruncate(this, index);
        if (index <= live.lastIndex())
        {
            live.truncateFrom(index);
            changed(index, false);
        }
    }

    public void compactTo(final long index)
    {
        checkOpen();
        LogPreconditions.checkCompact(this, index);
        if (index > live.baseIndex)
        {
            live.compactTo(index);
            changed(Long.MAX_VALUE, true);
            makeDurable();
        }
    }

    public void reset(final long index, final long term)
    {
        checkOpen();
        LogPreconditions.checkReset(this, index, term);
        live.reset(index, term);
        changed(index + 1, true);
        makeDurable();
    }

    public void sync()
    {
        checkOpen();
        if (syncPolicy != SyncPolicy.NONE)
        {
            makeDurable();
        }
    }

    public SyncPolicy syncPolicy()
    {
        return syncPolicy;
    }

    public long currentTerm()
    {
        return currentTerm;
    }

    public int votedFor()
    {
        return votedFor;
    }

    public void storeTermAndVote(final long term, final int votedFor)
    {
        checkOpen();
        LogPreconditions.checkTermAndVote(this, term, votedFor);
        this.currentTerm = term;
        this.votedFor = votedFor;
    }

    /**
     * The machine fails: entries, truncations and compactions not yet durable are lost; term and vote survive.
     * The log stays open, as if the node restarted on the same storage.
     */
    public void crash()
    {
        live.copyFrom(durable, durable.baseIndex + 1);
        lowestUnsyncedIndex = Long.MAX_VALUE;
        baseUnsynced = false;
        closed = false;
    }

    /**
     * @return the last index that would survive a {@link #crash()} now.
     */
    public long durableLastIndex()
    {
        return durable.lastIndex();
    }

    public void close()
    {
        closed = true;
    }

    /**
     * Reopens a closed log, keeping what it held, as a process restart (not a machine failure) does.
     */
    public void reopen()
    {
        closed = false;
    }

    private void changed(final long fromIndex, final boolean baseChanged)
    {
        lowestUnsyncedIndex = Math.min(lowestUnsyncedIndex, fromIndex);
        baseUnsynced |= baseChanged;
        if (syncPolicy == SyncPolicy.EVERY_APPEND)
        {
            makeDurable();
        }
    }

    private void makeDurable()
    {
        if (baseUnsynced)
        {
            durable.copyFrom(live, live.baseIndex + 1);
        }
        else if (lowestUnsyncedIndex != Long.MAX_VALUE)
        {
            durable.copyFrom(live, lowestUnsyncedIndex);
        }
        lowestUnsyncedIndex = Long.MAX_VALUE;
        baseUnsynced = false;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new LogException("log is closed");
        }
    }

    /**
     * Encoded entries back to back in one expandable buffer, with their offsets, lengths and terms by slot
     * (slot = index - baseIndex - 1).
     */
    private static final class Entries
    {
        final ExpandableDirectByteBuffer bytes = new ExpandableDirectByteBuffer(64 * 1024);
        int[] offsets = new int[1024];
        int[] lengths = new int[1024];
        long[] terms = new long[1024];
        long baseIndex;
        long baseTerm;
        int count;
        int limit;

        long lastIndex()
        {
            return baseIndex + count;
        }

        int slot(final long index)
        {
            return (int)(index - baseIndex - 1);
        }

        long termAt(final long index)
        {
            return index == baseIndex ? baseTerm : terms[slot(index)];
        }

        int reserve(final int length)
        {
            bytes.checkLimit(limit + length);
            return limit;
        }

        void commitReserved(final int offset, final int length, final long term)
        {
            if (count == offsets.length)
            {
                offsets = Arrays.copyOf(offsets, count * 2);
                lengths = Arrays.copyOf(lengths, count * 2);
                terms = Arrays.copyOf(terms, count * 2);
            }
            offsets[count] = offset;
            lengths[count] = length;
            terms[count] = term;
            count++;
            limit = offset + length;
        }

        void add(final DirectBuffer source, final int offset, final int length, final long term)
        {
            final int at = reserve(length);
            bytes.putBytes(at, source, offset, length);
            commitReserved(at, length, term);
        }

        void truncateFrom(final long index)
        {
            count = slot(index);
            limit = 0 == count ? 0 : offsets[count - 1] + lengths[count - 1];
        }

        void compactTo(final long index)
        {
            final long term = termAt(index);
            final int drop = slot(index) + 1;
            final int keep = count - drop;
            if (keep > 0)
            {
                final int shift = offsets[drop];
                bytes.putBytes(0, bytes, shift, limit - shift);
                for (int i = 0; i < keep; i++)
                {
                    offsets[i] = offsets[drop + i] - shift;
                    lengths[i] = lengths[drop + i];
                    terms[i] = terms[drop + i];
                }
                limit -= shift;
            }
            else
            {
                limit = 0;
            }
            count = keep;
            baseIndex = index;
            baseTerm = term;
        }

        void reset(final long index, final long term)
        {
            baseIndex = index;
            baseTerm = term;
            count = 0;
            limit = 0;
        }

        /**
         * Makes this hold the other's entries: those below fromIndex are already equal.
         */
        void copyFrom(final Entries other, final long fromIndex)
        {
            if (baseIndex != other.baseIndex || fromIndex <= other.baseIndex + 1 || fromIndex > lastIndex() + 1)
            {
                reset(other.baseIndex, other.baseTerm);
            }
            else
            {
                truncateFrom(Math.min(fromIndex, lastIndex() + 1));
            }
            for (long index = lastIndex() + 1; index <= other.lastIndex(); index++)
            {
                final int slot = other.slot(index);
                add(other.bytes, other.offsets[slot], other.lengths[slot], other.terms[slot]);
            }
        }
    }
}
