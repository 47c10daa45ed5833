package dev.grid.locks;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SlotIndexTest
{
    @Test
    void findsEverySlotByItsHashThroughCollisionsRemovalsAndMoves()
    {
        final int capacity = 64;
        final SlotIndex index = new SlotIndex(capacity);
        final Map<Integer, Integer> hashOfSlot = new HashMap<>();
        final Random random = new Random(7);
        int count = 0;
        for (int step = 0; step < 20_000; step++)
        {
            if (count < capacity && (0 == count || random.nextBoolean()))
            {
                final int hash = random.nextInt(8) * 128 + random.nextInt(3);
                index.insert(hash, count);
                hashOfSlot.put(count++, hash);
            }
            else
            {
                final int slot = random.nextInt(count);
                final int last = --count;
                index.remove(hashOfSlot.get(slot), slot);
                if (slot != last)
                {
                    index.move(hashOfSlot.get(last), last, slot);
                    hashOfSlot.put(slot, hashOfSlot.get(last));
                }
                hashOfSlot.remove(last);
            }
            for (int slot = 0; slot < count; slot++)
            {
                assertThat(positionsOf(index, hashOfSlot.get(slot), slot)).as("step %d slot %d", step, slot)
                    .isEqualTo(1);
            }
        }
        index.clear();
        assertThat(index.first(hashOfSlot.getOrDefault(0, 0))).isEqualTo(-1);
    }

    private static int positionsOf(final SlotIndex index, final int hash, final int slot)
    {
        int found = 0;
        for (int position = index.first(hash); position >= 0; position = index.next(hash, position))
        {
            found += index.slotAt(position) == slot ? 1 : 0;
        }
        return found;
    }
}
