package dev.grid.log;

import java.util.Arrays;

/**
 * Where each Raft index lives in the Chronicle queue. Chronicle numbers its records densely within a cycle, so
 * consecutive entries written back to back form a run: one (first Raft index, first queue index) pair covers them
 * all. A marker between entries, or a roll to a new cycle, starts a new run. Runs stay few (truncations and cycles
 * are rare), so the map is rebuilt on open by scanning and costs a binary search, or nothing for the sequential
 * reads replication and apply make.
 */
final class QueueIndexMap
{
    private long[] raftStarts = new long[64];
    private long[] queueStarts = new long[64];
    private int count;
    private long lastRaftIndex;
    private int lastRun = -1;

    void clear(final long lastRaftIndex)
    {
        count = 0;
        lastRun = -1;
        this.lastRaftIndex = lastRaftIndex;
    }

    void append(final long raftIndex, final long queueIndex)
    {
        if (count > 0 && raftIndex == lastRaftIndex + 1 &&
            queueIndex == queueStarts[count - 1] + (raftIndex - raftStarts[count - 1]))
        {
            lastRaftIndex = raftIndex;
            return;
        }
        if (count == raftStarts.length)
        {
            raftStarts = Arrays.copyOf(raftStarts, count * 2);
            queueStarts = Arrays.copyOf(queueStarts, count * 2);
        }
        raftStarts[count] = raftIndex;
        queueStarts[count] = queueIndex;
        count++;
        lastRaftIndex = raftIndex;
    }

    /**
     * @param raftIndex an index held by the map.
     * @return the queue index of its record.
     */
    long queueIndex(final long raftIndex)
    {
        int run = lastRun;
        if (run < 0 || run >= count || raftIndex < raftStarts[run] || (run + 1 < count && raftIndex >= raftStarts[run + 1]))
        {
            run = find(raftIndex);
            lastRun = run;
        }
        return queueStarts[run] + (raftIndex - raftStarts[run]);
    }

    /**
     * @return the queue index of the first Raft index held, or {@code Long.MAX_VALUE} if none: every record before
     * it is dead (compacted, truncated or a marker that later records supersede), so whole cycles before its cycle
     * can be deleted.
     */
    long firstQueueIndex()
    {
        return count > 0 ? queueStarts[0] : Long.MAX_VALUE;
    }

    void truncateFrom(final long raftIndex)
    {
        while (count > 0 && raftStarts[count - 1] >= raftIndex)
        {
            count--;
        }
        lastRaftIndex = raftIndex - 1;
        lastRun = -1;
    }

    /**
     * Forgets the indexes up to raftIndex.
     */
    void compactTo(final long raftIndex)
    {
        int drop = 0;
        while (drop < count && (drop + 1 < count ? raftStarts[drop + 1] <= raftIndex + 1 : lastRaftIndex <= raftIndex))
        {
            drop++;
        }
        if (drop > 0)
        {
            System.arraycopy(raftStarts, drop, raftStarts, 0, count - drop);
            System.arraycopy(queueStarts, drop, queueStarts, 0, count - drop);
            count -= drop;
        }
        if (count > 0 && raftStarts[0] <= raftIndex)
        {
            queueStarts[0] += raftIndex + 1 - raftStarts[0];
            raftStarts[0] = raftIndex + 1;
        }
        if (lastRaftIndex < raftIndex)
        {
            lastRaftIndex = raftIndex;
        }
        lastRun = -1;
    }

    int runCount()
    {
        return count;
    }

    private int find(final long raftIndex)
    {
        int low = 0;
        int high = count - 1;
        while (low < high)
        {
            final int mid = (low + high + 1) >>> 1;
            if (raftStarts[mid] <= raftIndex)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }
}
