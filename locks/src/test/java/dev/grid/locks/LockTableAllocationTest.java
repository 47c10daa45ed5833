package dev.grid.locks;

import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The apply path allocates nothing once warm: grants, reentry, queueing, hand-off, log-time expiry, session close,
 * fence checks and queries, measured with the thread's allocated-bytes counter around a long loop.
 */
class LockTableAllocationTest
{
    private final UnsafeBuffer name = new UnsafeBuffer("orders-book-7".getBytes());
    private final UnsafeBuffer lockA = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer relockA = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer unlockA = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer lockB = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer tryLockC = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer query = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[128]);
    private final int lockALength;
    private final int relockALength;
    private final int unlockALength;
    private final int lockBLength;
    private final int tryLockCLength;
    private final int queryLength;
    private long deferredCount;
    private long index;
    private long timestamp;

    LockTableAllocationTest()
    {
        final LockCommands commands = new LockCommands();
        final int n = name.capacity();
        lockALength = commands.acquire(lockA, 0, name, 0, n, 1, LockTable.WAIT_FOREVER, 0, 0);
        relockALength = commands.acquire(relockA, 0, name, 0, n, 1, 0, 0, 0);
        unlockALength = commands.release(unlockA, 0, name, 0, n, 1, 0);
        lockBLength = commands.acquire(lockB, 0, name, 0, n, 2, LockTable.WAIT_FOREVER, 0, 0);
        tryLockCLength = commands.acquire(tryLockC, 0, name, 0, n, 3, 1_000, 0, 0);
        queryLength = commands.query(query, 0, name, 0, n);
    }

    @Test
    void warmApplyLoopAllocatesNothing()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (LockTable table = new LockTable(new LockTableContext()
            .deferredResponses((serviceId, sessionId, requestSequence, buffer, offset, length) -> deferredCount++)))
        {
            long checks = 0;
            for (int i = 0; i < 200_000; i++)
            {
                checks += cycle(table);
            }
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200_000; i++)
            {
                checks += cycle(table);
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertThat(allocated).as("bytes allocated by 200,000 warm cycles").isZero();
            assertThat(checks).isEqualTo(400_000L * 4);
            assertThat(deferredCount).as("each cycle answers a grant, a timeout and a lost wait late")
                .isEqualTo(400_000L * 3);
            assertThat(table.lockCount()).isZero();
        }
    }

    private int cycle(final LockTable table)
    {
        int checks = 0;
        final long session = 1 + (index & 7);
        checks += status(table, session, lockA, lockALength) == Status.OK ? 1 : 0;
        checks += status(table, session, relockA, relockALength) == Status.OK ? 1 : 0;
        status(table, session + 100, lockB, lockBLength);
        status(table, session + 200, tryLockC, tryLockCLength);
        status(table, session + 300, lockB, lockBLength);
        checks += table.isCurrentToken(name, 0, name.capacity(), table.currentToken(name, 0, name.capacity())) ? 1 : 0;
        status(table, session, unlockA, unlockALength);
        status(table, session, unlockA, unlockALength);
        timestamp += 1_000;
        checks += status(table, session, query, queryLength) == Status.OK ? 1 : 0;
        index++;
        table.onLogTime(index, timestamp);
        table.onSessionClosed(index, timestamp, session + 300);
        index++;
        table.onLogTime(index, timestamp);
        table.onSessionClosed(index, timestamp, session + 100);
        return checks;
    }

    private Status status(final LockTable table, final long session, final UnsafeBuffer command, final int length)
    {
        index++;
        table.onLogTime(index, timestamp);
        table.apply(index, timestamp, session, index, command, 0, length, response, 0);
        return Status.get(response.getByte(8));
    }
}
