package dev.grid.log;

import dev.grid.core.DecodeError;
import dev.grid.core.LogEntryView;
import org.agrona.DirectBuffer;
import org.agrona.collections.IntArrayList;

/**
 * The misuse checks every {@link RaftLog} makes, in one place, so that the Chronicle log and the in-memory log
 * refuse exactly the same calls with the same messages.
 */
final class LogPreconditions
{
    /** Entries a batch may hold without the lengths list growing: a 64 KiB batch of the smallest entries. */
    static final int BATCH_LENGTHS_CAPACITY = 2048;

    private LogPreconditions()
    {
    }

    static void checkAppend(final RaftLog log, final long index, final long term, final int encodedLength,
        final int maxEntryLength)
    {
        if (index != log.lastIndex() + 1)
        {
            throw new LogException("append at index " + index + " but the next index is " + (log.lastIndex() + 1));
        }
        if (term < log.lastTerm())
        {
            throw new LogException("append of term " + term + " at index " + index + " after term " + log.lastTerm());
        }
        if (encodedLength > maxEntryLength)
        {
            throw new LogException(
                "entry at index " + index + " is " + encodedLength + " bytes, over the maximum of " + maxEntryLength);
        }
    }

    /**
     * Verifies a batch of encoded entries, as {@link RaftLog#appendEntries} requires, before any is stored.
     *
     * @param entryLengths cleared, then filled with the encoded length of each entry.
     * @return the number of entries in the batch.
     */
    static int verifyBatch(final RaftLog log, final LogEntryView view, final DirectBuffer buffer, final int offset,
        final int length, final int maxEntryLength, final IntArrayList entryLengths)
    {
        entryLengths.clear();
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length)
        {
            throw new LogException("batch [" + offset + ", +" + length + ") lies outside its buffer");
        }
        long expectedIndex = log.lastIndex() + 1;
        long previousTerm = log.lastTerm();
        int position = offset;
        final int end = offset + length;
        int count = 0;
        while (position < end)
        {
            final int result = view.wrapAndVerify(buffer, position, end - position);
            if (result < 0)
            {
                throw new LogException("batch entry " + count + " at offset " + (position - offset) +
                    " is malformed: " + DecodeError.fromCode(result));
            }
            if (result > maxEntryLength)
            {
                throw new LogException("batch entry at index " + view.index() + " is " + result +
                    " bytes, over the maximum of " + maxEntryLength);
            }
            if (view.index() != expectedIndex)
            {
                throw new LogException("batch entry " + count + " has index " + view.index() + " but the next index is " +
                    expectedIndex);
            }
            if (view.term() < previousTerm)
            {
                throw new LogException("batch entry at index " + view.index() + " has term " + view.term() +
                    " after term " + previousTerm);
            }
            entryLengths.addInt(result);
            previousTerm = view.term();
            expectedIndex++;
            position += result;
            count++;
        }
        return count;
    }

    static void checkReadable(final RaftLog log, final long index)
    {
        if (index < log.firstIndex())
        {
            throw new LogException("index " + index + " was compacted: the log starts at " + log.firstIndex());
        }
        if (index > log.lastIndex())
        {
            throw new LogException("index " + index + " is past the end of the log at " + log.lastIndex());
        }
    }

    static void checkTermAt(final RaftLog log, final long index)
    {
        if (index < log.firstIndex() - 1)
        {
            throw new LogException("term at index " + index + " was compacted: the base is " + (log.firstIndex() - 1));
        }
        if (index > log.lastIndex())
        {
            throw new LogException("term at index " + index + " is past the end of the log at " + log.lastIndex());
        }
    }

    static void checkTruncate(final RaftLog log, final long index)
    {
        if (index < log.firstIndex())
        {
            throw new LogException("cannot truncate from index " + index + ": entries up to " +
                (log.firstIndex() - 1) + " are compacted");
        }
        if (index > log.lastIndex() + 1)
        {
            throw new LogException("cannot truncate from index " + index + ": the log ends at " + log.lastIndex());
        }
    }

    static void checkCompact(final RaftLog log, final long index)
    {
        if (index < log.firstIndex() - 1)
        {
            throw new LogException("cannot compact to index " + index + ": already compacted to " +
                (log.firstIndex() - 1));
        }
        if (index > log.lastIndex())
        {
            throw new LogException("cannot compact to index " + index + ": the log ends at " + log.lastIndex());
        }
    }

    static void checkReset(final RaftLog log, final long index, final long term)
    {
        if (index < log.firstIndex() - 1)
        {
            throw new LogException("cannot reset to index " + index + ": below the base " + (log.firstIndex() - 1));
        }
        if (term < 0)
        {
            throw new LogException("cannot reset to a negative term " + term);
        }
    }

    static void checkTermAndVote(final RaftLog log, final long term, final int votedFor)
    {
        if (term < log.currentTerm())
        {
            throw new LogException("term " + term + " is lower than the current term " + log.currentTerm());
        }
        if (term == log.currentTerm() && log.votedFor() != RaftLog.NO_VOTE && votedFor != log.votedFor())
        {
            throw new LogException("already voted for " + log.votedFor() + " in term " + term + ", cannot vote for " +
                votedFor);
        }
        if (votedFor < RaftLog.NO_VOTE)
        {
            throw new LogException("invalid vote " + votedFor);
        }
    }
}
