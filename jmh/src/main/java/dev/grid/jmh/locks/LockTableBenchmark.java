package dev.grid.jmh.locks;

import dev.grid.core.MessageBounds;
import dev.grid.locks.LockCommands;
import dev.grid.locks.LockTable;
import dev.grid.locks.LockTableContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock table's apply path as the node's agent runs it: one encoded command in, one response out, log time
 * announced first. Every apply here is one operation; the benchmarks that must undo what they did to stay in a
 * steady state apply two commands per invocation and say so with {@code @OperationsPerInvocation(2)}.
 * <p>
 * The peer, an uncontended {@link ReentrantLock} lock and unlock, is the floor a local, unreplicated JVM lock sets;
 * it is measured in the same run for the ratio.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LockTableBenchmark
{
    private static final int OWNER_OFFSET = 8;
    private static final long SESSION = 42;

    private final UnsafeBuffer name = new UnsafeBuffer("orders-book-7".getBytes(StandardCharsets.US_ASCII));
    private final UnsafeBuffer lock = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer tryLock = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer unlock = new UnsafeBuffer(new byte[128]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[128]);
    private final ReentrantLock peerLock = new ReentrantLock();
    private final MessageBounds bounds = MessageBounds.instance();
    private int lockLength;
    private int tryLockLength;
    private int unlockLength;
    private LockTable table;
    private long index;
    private long timestamp;
    private long holder;
    private long nextOwner;
    private long lateAnswers;

    @Setup(Level.Iteration)
    public void setUp()
    {
        final LockCommands commands = new LockCommands();
        final int n = name.capacity();
        lockLength = commands.acquire(lock, 0, name, 0, n, 0, LockTable.WAIT_FOREVER, 0, 0);
        tryLockLength = commands.acquire(tryLock, 0, name, 0, n, 0, 0, 0, 0);
        unlockLength = commands.release(unlock, 0, name, 0, n, 0, 0);
        if (null != table)
        {
            table.close();
        }
        table = new LockTable(new LockTableContext()
            .deferredResponses((serviceId, sessionId, requestSequence, buffer, offset, length) -> lateAnswers++));
        index = 0;
        timestamp = 0;
        holder = 0;
        nextOwner = 0;
    }

    @TearDown(Level.Iteration)
    public void tearDown()
    {
        table.close();
        table = null;
    }

    /**
     * An uncontended grant that creates the lock, then the release that frees and removes it.
     */
    @Benchmark
    @OperationsPerInvocation(2)
    public int acquireThenRelease()
    {
        return apply(lock, lockLength, 1) + apply(unlock, unlockLength, 1);
    }

    /**
     * The holder enters again (hold count up, same token).
     */
    @Benchmark
    public int reentrantAcquire()
    {
        return apply(lock, lockLength, 1);
    }

    /**
     * tryLock with no wait on a lock another owner holds: answered TIMEOUT at once.
     */
    @Benchmark
    public int tryLockWhileHeld()
    {
        if (0 == index)
        {
            apply(lock, lockLength, 1);
        }
        return apply(tryLock, tryLockLength, 2);
    }

    /**
     * How many requests wait behind the holder.
     */
    @State(Scope.Thread)
    public static class Queue
    {
        @Param({ "1", "16" })
        public int waiters;
    }

    /**
     * With {@link Queue#waiters} queued behind the holder: a new owner's lock() queues (PENDING), then the holder's
     * unlock hands the lock to the first waiter (new token, late answer).
     */
    @Benchmark
    @OperationsPerInvocation(2)
    public int acquireQueuedThenReleaseWithHandOff(final Queue queue)
    {
        if (0 == index)
        {
            for (int i = 0; i <= queue.waiters; i++)
            {
                apply(lock, lockLength, nextOwner++);
            }
        }
        return apply(lock, lockLength, nextOwner++) + apply(unlock, unlockLength, holder++);
    }

    /**
     * The fence check a cache runs on a fenced write.
     */
    @Benchmark
    public boolean fenceCheck()
    {
        if (0 == index)
        {
            apply(lock, lockLength, 1);
        }
        return table.isCurrentToken(name, 0, name.capacity(), 1);
    }

    /**
     * Part of every apply above: grid-core's schema-driven validation of the command, alone.
     */
    @Benchmark
    public int messageBoundsCheck()
    {
        return bounds.check(lock, 0, lockLength);
    }

    /**
     * Peer: an uncontended local {@link ReentrantLock} lock, then unlock.
     */
    @Benchmark
    @OperationsPerInvocation(2)
    public int peerReentrantLockThenUnlock()
    {
        peerLock.lock();
        final int holds = peerLock.getHoldCount();
        peerLock.unlock();
        return holds;
    }

    private int apply(final UnsafeBuffer command, final int length, final long owner)
    {
        command.putLong(OWNER_OFFSET, owner, ByteOrder.LITTLE_ENDIAN);
        index++;
        timestamp += 1_000;
        table.onLogTime(index, timestamp);
        return table.apply(index, timestamp, SESSION, index, command, 0, length, response, 0);
    }
}
