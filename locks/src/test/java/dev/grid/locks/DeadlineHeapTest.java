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
    void alwaysPeeksTheSoonestDeadlineThenTheLowestTicketThroughRemovalsAndReusedSlots()
    {
        final int capacity = 128;
        final long[] deadlines = new long[capacity];
        final long[] tickets = new long[capacity];
        final DeadlineHeap heap = new DeadlineHeap(deadlines, tickets);
        final List<Integer> live = new ArrayList<>();
        final List<Integer> inHeap = new ArrayList<>();
        final Random random = new Random(11);
        long nextTicket = 1;
        for (int step = 0; step < 50_000; step++)
        {
            if (live.size() < capacity && (live.isEmpty() || random.nextInt(3) > 0))
            {
                int waiter = 0;
                while (live.contains(waiter))
                {
                    waiter++;
                }
                deadlines[waiter] = random.nextInt(20);
                tickets[waiter] = nextTicket++;
                live.add(waiter);
                if (random.nextInt(4) > 0)
                {
                    heap.add(waiter);
                    inHeap.add(waiter);
                }
            }
            else
            {
                final Integer waiter = live.remove(random.nextInt(live.size()));
                heap.remove(waiter);
                inHeap.remove(waiter);
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
        heap.clear();
        assertThat(heap.isEmpty()).isTrue();
        heap.remove(0);
        assertThat(heap.isEmpty()).isTrue();
    }
}
