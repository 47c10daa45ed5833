package dev.grid.locks;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineHeapTest
{
    @Test
    void alwaysPeeksTheSoonestDeadlineThenTheLowestTicketThroughRemovalsAndMoves()
    {
        final int capacity = 128;
        final long[] deadlines = new long[capacity];
        final long[] tickets = new long[capacity];
        final DeadlineHeap heap = new DeadlineHeap(deadlines, tickets);
        final List<Integer> inHeap = new ArrayList<>();
        final Random random = new Random(11);
        int count = 0;
        long nextTicket = 1;
        for (int step = 0; step < 50_000; step++)
        {
            if (count < capacity && (0 == count || random.nextInt(3) > 0))
            {
                deadlines[count] = random.nextInt(20);
                tickets[count] = nextTicket++;
                heap.absent(count);
                if (random.nextInt(4) > 0)
                {
                    heap.add(count);
                    inHeap.add(count);
                }
                count++;
            }
            else
            {
                final int waiter = random.nextInt(count);
                final int last = --count;
                heap.remove(waiter);
                inHeap.remove(Integer.valueOf(waiter));
                if (waiter != last)
                {
                    deadlines[waiter] = deadlines[last];
                    tickets[waiter] = tickets[last];
                    heap.moved(last, waiter);
                    if (inHeap.remove(Integer.valueOf(last)))
                    {
                        inHeap.add(waiter);
                    }
                }
            }
            final Integer expected = inHeap.stream()
                .min(Comparator.<Integer>comparingLong(w -> deadlines[w]).thenComparingLong(w -> tickets[w]))
                .orElse(null);
            assertThat(heap.isEmpty()).as("step %d", step).isEqualTo(null == expected);
            if (null != expected)
            {
                assertThat(heap.peek()).as("step %d", step).isEqualTo(expected);
            }
        }
    }
}
