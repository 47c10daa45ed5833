package dev.grid.locks;

import java.util.Arrays;

/**
 * A binary min-heap of waiter slots ordered by (deadline, ticket), over the lock table's own deadline and ticket
 * arrays. Tickets are unique (the index of the entry that queued the request), so the order is total and the
 * sequence of {@link #peek()} results never depends on the heap's layout: the heap is derived state, rebuilt after
 * a restore and left out of checksums. Only waiters with a deadline enter it; a waiter keeps its slot while it waits.
 * Allocation-free.
 */
final class DeadlineHeap
{
    private static final int ABSENT = -1;

    private final long[] deadlines;
    private final long[] tickets;
    private final int[] heap;
    private final int[] positions;
    private int size;

    /**
     * @param deadlines the table's waiter deadlines, by waiter slot.
     * @param tickets   the table's waiter tickets, by waiter slot.
     */
    DeadlineHeap(final long[] deadlines, final long[] tickets)
    {
        this.deadlines = deadlines;
        this.tickets = tickets;
        heap = new int[deadlines.length];
        positions = new int[deadlines.length];
        Arrays.fill(positions, ABSENT);
    }

    boolean isEmpty()
    {
        return 0 == size;
    }

    /**
     * @return the waiter slot that expires first; the heap must not be empty.
     */
    int peek()
    {
        return heap[0];
    }

    void add(final int waiter)
    {
        final int position = size++;
        heap[position] = waiter;
        siftUp(position);
    }

    /**
     * Removes the waiter if it is in the heap.
     */
    void remove(final int waiter)
    {
        final int position = positions[waiter];
        if (ABSENT == position)
        {
            return;
        }
        positions[waiter] = ABSENT;
        final int last = --size;
        if (position != last)
        {
            heap[position] = heap[last];
            siftDown(siftUp(position));
        }
    }

    void clear()
    {
        size = 0;
        Arrays.fill(positions, ABSENT);
    }

    private boolean expiresBefore(final int a, final int b)
    {
        return deadlines[a] < deadlines[b] || (deadlines[a] == deadlines[b] && tickets[a] < tickets[b]);
    }

    private int siftUp(final int start)
    {
        int position = start;
        final int waiter = heap[position];
        while (position > 0)
        {
            final int parent = (position - 1) >>> 1;
            if (!expiresBefore(waiter, heap[parent]))
            {
                break;
            }
            place(heap[parent], position);
            position = parent;
        }
        place(waiter, position);
        return position;
    }

    private void siftDown(final int start)
    {
        int position = start;
        final int waiter = heap[position];
        int child;
        while ((child = 2 * position + 1) < size)
        {
            if (child + 1 < size && expiresBefore(heap[child + 1], heap[child]))
            {
                child++;
            }
            if (!expiresBefore(heap[child], waiter))
            {
                break;
            }
            place(heap[child], position);
            position = child;
        }
        place(waiter, position);
    }

    private void place(final int waiter, final int position)
    {
        heap[position] = waiter;
        positions[waiter] = position;
    }
}
