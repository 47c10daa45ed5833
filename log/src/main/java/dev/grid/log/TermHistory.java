package dev.grid.log;

import java.util.Arrays;

/**
 * The term of every index in the log, kept as runs (first index of each term), so that {@code termAt} answers
 * without touching the disk. Terms change rarely, so the runs stay few; arrays grow only when a new term starts.
 */
final class TermHistory
{
    private long[] firstIndexes = new long[64];
    private long[] terms = new long[64];
    private int count;
    private long baseIndex;
    private long baseTerm;
    private long lastIndex;

    void reset(final long baseIndex, final long baseTerm)
    {
        this.baseIndex = baseIndex;
        this.baseTerm = baseTerm;
        this.lastIndex = baseIndex;
        count = 0;
    }

    void append(final long index, final long term)
    {
        if (index != lastIndex + 1)
        {
            throw new IllegalStateException("term history append at " + index + " after " + lastIndex);
        }
        if (0 == count || terms[count - 1] != term)
        {
            if (count == firstIndexes.length)
            {
                firstIndexes = Arrays.copyOf(firstIndexes, count * 2);
                terms = Arrays.copyOf(terms, count * 2);
            }
            firstIndexes[count] = index;
            terms[count] = term;
            count++;
        }
        lastIndex = index;
    }

    long termAt(final long index)
    {
        if (index == baseIndex)
        {
            return baseTerm;
        }
        int low = 0;
        int high = count - 1;
        while (low < high)
        {
            final int mid = (low + high + 1) >>> 1;
            if (firstIndexes[mid] <= index)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return terms[low];
    }

    long lastTerm()
    {
        return lastIndex == baseIndex ? baseTerm : terms[count - 1];
    }

    long baseIndex()
    {
        return baseIndex;
    }

    long baseTerm()
    {
        return baseTerm;
    }

    long lastIndex()
    {
        return lastIndex;
    }

    void truncateFrom(final long index)
    {
        while (count > 0 && firstIndexes[count - 1] >= index)
        {
            count--;
        }
        lastIndex = index - 1;
    }

    /**
     * The entry at index becomes the base; runs wholly below it go.
     */
    void compactTo(final long index, final long term)
    {
        int drop = 0;
        while (drop < count && (drop + 1 < count ? firstIndexes[drop + 1] <= index + 1 : lastIndex <= index))
        {
            drop++;
        }
        if (drop > 0)
        {
            System.arraycopy(firstIndexes, drop, firstIndexes, 0, count - drop);
            System.arraycopy(terms, drop, terms, 0, count - drop);
            count -= drop;
        }
        baseIndex = index;
        baseTerm = term;
        if (lastIndex < index)
        {
            lastIndex = index;
        }
    }
}
