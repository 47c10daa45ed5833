package dev.grid.consensus;

import dev.grid.core.GridException;
import dev.grid.core.InMemorySnapshot;
import dev.grid.core.StateChecksum;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionTableTest
{
    private static final UnsafeBuffer RESPONSE = new UnsafeBuffer(new byte[]{ 1, 2, 3 });

    @Test
    void classifiesRequestsByTheRecordTheirSequenceMapsTo()
    {
        final SessionTable table = new SessionTable(4, 4, 16, 1_000);
        final int slot = table.open(7, 0);
        assertThat(table.lookup(slot, 1)).isEqualTo(SessionTable.NEW);
        table.store(slot, 1, 10, 1, Status.OK, RESPONSE, 0, 3);
        assertThat(table.lookup(slot, 1)).isEqualTo(SessionTable.DUPLICATE);
        assertThat(table.cachedLogIndex(slot, 1)).isEqualTo(10);
        assertThat(table.cachedLength(slot, 1)).isEqualTo(3);
        table.store(slot, 5, 11, 1, Status.OK, RESPONSE, 0, 3);
        assertThat(table.lookup(slot, 1)).as("its record now holds sequence 5").isEqualTo(SessionTable.TOO_OLD);
        assertThat(table.lookup(slot, 9)).isEqualTo(SessionTable.NEW);
    }

    @Test
    void slotsAreReusedLowestFirstAndStartClean()
    {
        final SessionTable table = new SessionTable(2, 2, 8, 1_000);
        final int first = table.open(3, 0);
        table.store(first, 1, 4, 1, Status.OK, RESPONSE, 0, 3);
        assertThat(table.open(5, 0)).isEqualTo(1);
        assertThat(table.open(6, 0)).as("full").isEqualTo(-1);
        table.close(first);
        final int reused = table.open(9, 0);
        assertThat(reused).isEqualTo(first);
        assertThat(table.lookup(reused, 1)).as("the previous session's answers are gone").isEqualTo(SessionTable.NEW);
    }

    @Test
    void expiresByLogTimeInSlotOrder()
    {
        final SessionTable table = new SessionTable(4, 2, 8, 1_000);
        table.open(1, 0);
        table.open(2, 500);
        table.open(3, 0);
        table.touch(table.slotOf(3), 900);
        final List<Long> expired = new ArrayList<>();
        table.expire(1_000, expired::add);
        assertThat(expired).as("not past the timeout yet").isEmpty();
        table.expire(1_001, expired::add);
        assertThat(expired).containsExactly(1L);
        table.expire(1_901, expired::add);
        assertThat(expired).containsExactly(1L, 2L, 3L);
        assertThat(table.count()).isZero();
    }

    @Test
    void snapshotRestoresAnEqualTableAndRefusesOneThatDoesNotFit()
    {
        final SessionTable table = new SessionTable(4, 2, 8, 1_000);
        table.open(11, 5);
        final int slot = table.open(12, 6);
        table.store(slot, 3, 40, 2, Status.PENDING, RESPONSE, 0, 3);
        final InMemorySnapshot snapshot = new InMemorySnapshot();
        table.snapshot(snapshot);

        final SessionTable restored = new SessionTable(4, 2, 8, 1_000);
        restored.restore(snapshot.rewind());
        assertThat(restored.checksum(new StateChecksum())).isEqualTo(table.checksum(new StateChecksum()));
        assertThat(restored.slotOf(12)).isEqualTo(slot);
        assertThat(restored.cachedStatus(slot, 3)).isEqualTo(Status.PENDING);

        final SessionTable smaller = new SessionTable(1, 2, 8, 1_000);
        assertThatThrownBy(() -> smaller.restore(snapshot.rewind())).isInstanceOf(GridException.class)
            .hasMessageContaining("does not fit");
    }
}
