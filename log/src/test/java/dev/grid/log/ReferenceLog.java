package dev.grid.log;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The plain model a {@link RaftLog} must behave like: encoded entries in a list after a base (index, term).
 */
final class ReferenceLog
{
    long baseIndex;
    long baseTerm;
    final List<byte[]> entries = new ArrayList<>();
    final List<Long> terms = new ArrayList<>();
    long currentTerm;
    int votedFor = RaftLog.NO_VOTE;

    long firstIndex()
    {
        return baseIndex + 1;
    }

    long lastIndex()
    {
        return baseIndex + entries.size();
    }

    long lastTerm()
    {
        return entries.isEmpty() ? baseTerm : terms.get(terms.size() - 1);
    }

    long termAt(final long index)
    {
        return index == baseIndex ? baseTerm : terms.get(slot(index));
    }

    byte[] entry(final long index)
    {
        return entries.get(slot(index));
    }

    void append(final long term, final byte[] encoded)
    {
        entries.add(encoded);
        terms.add(term);
    }

    void truncateFrom(final long index)
    {
        while (lastIndex() >= index)
        {
            entries.remove(entries.size() - 1);
            terms.remove(terms.size() - 1);
        }
    }

    void compactTo(final long index)
    {
        final long term = termAt(index);
        final int drop = (int)(index - baseIndex);
        entries.subList(0, drop).clear();
        terms.subList(0, drop).clear();
        baseIndex = index;
        baseTerm = term;
    }

    void reset(final long index, final long term)
    {
        entries.clear();
        terms.clear();
        baseIndex = index;
        baseTerm = term;
    }

    ReferenceLog copy()
    {
        final ReferenceLog copy = new ReferenceLog();
        copy.baseIndex = baseIndex;
        copy.baseTerm = baseTerm;
        entries.forEach(e -> copy.entries.add(Arrays.copyOf(e, e.length)));
        copy.terms.addAll(terms);
        copy.currentTerm = currentTerm;
        copy.votedFor = votedFor;
        return copy;
    }

    private int slot(final long index)
    {
        return (int)(index - baseIndex - 1);
    }
}
