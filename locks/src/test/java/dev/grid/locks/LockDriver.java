package dev.grid.locks;

import dev.grid.core.InMemorySnapshot;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds a {@link LockTable} the way the log would: one entry per call, indexes and timestamps increasing, log time
 * announced before every apply, and the late answers collected. For tests; allocates freely.
 */
final class LockDriver implements AutoCloseable
{
    final List<Deferred> deferred = new ArrayList<>();
    private final LockTableContext context;
    private final LockCommands commands = new LockCommands();
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[2048]);
    private final UnsafeBuffer response = new UnsafeBuffer(new byte[256]);
    private LockTable table;
    private long index;
    private long timestamp = 1_000_000_000L;
    private long nextSequence = 1;

    LockDriver(final LockTableContext context)
    {
        this.context = context.deferredResponses((serviceId, sessionId, requestSequence, buffer, offset, length) ->
            deferred.add(new Deferred(sessionId, requestSequence, Answer.decode(buffer, offset, length))));
        table = new LockTable(context);
    }

    static LockTableContext context()
    {
        return new LockTableContext().maxLocks(16).maxWaitersPerLock(8).maxWaiters(32).maxNameLength(32);
    }

    LockTable table()
    {
        return table;
    }

    long index()
    {
        return index;
    }

    long timestamp()
    {
        return timestamp;
    }

    long lastSequence()
    {
        return nextSequence - 1;
    }

    LockDriver advance(final long nanos)
    {
        timestamp += nanos;
        return this;
    }

    Answer lock(final long sessionId, final long ownerId, final String name)
    {
        return acquire(sessionId, ownerId, name, LockTable.WAIT_FOREVER, 0, 0);
    }

    Answer tryLock(final long sessionId, final long ownerId, final String name, final long waitTimeout)
    {
        return acquire(sessionId, ownerId, name, waitTimeout, 0, 0);
    }

    Answer acquire(
        final long sessionId,
        final long ownerId,
        final String name,
        final long waitTimeout,
        final long heldToken,
        final int acquireLimit)
    {
        final UnsafeBuffer nameBytes = ascii(name);
        final int length = commands.acquire(
            command, 0, nameBytes, 0, nameBytes.capacity(), ownerId, waitTimeout, heldToken, acquireLimit);
        return applyRaw(sessionId, command, length);
    }

    Answer unlock(final long sessionId, final long ownerId, final String name)
    {
        return unlock(sessionId, ownerId, name, 0);
    }

    Answer unlock(final long sessionId, final long ownerId, final String name, final long heldToken)
    {
        final UnsafeBuffer nameBytes = ascii(name);
        final int length = commands.release(command, 0, nameBytes, 0, nameBytes.capacity(), ownerId, heldToken);
        return applyRaw(sessionId, command, length);
    }

    Answer query(final String name)
    {
        final UnsafeBuffer nameBytes = ascii(name);
        final int length = commands.query(command, 0, nameBytes, 0, nameBytes.capacity());
        return applyRaw(99, command, length);
    }

    Answer applyRaw(final long sessionId, final UnsafeBuffer bytes, final int length)
    {
        index++;
        table.onLogTime(index, timestamp);
        final int responseLength = table.apply(
            index, timestamp, sessionId, nextSequence++, bytes, 0, length, response, 0);
        return Answer.decode(response, 0, responseLength);
    }

    /**
     * An entry for another service: only log time moves.
     */
    void tick()
    {
        index++;
        table.onLogTime(index, timestamp);
    }

    void closeSession(final long sessionId)
    {
        index++;
        table.onLogTime(index, timestamp);
        table.onSessionClosed(index, timestamp, sessionId);
    }

    boolean isCurrentToken(final String name, final long token)
    {
        final UnsafeBuffer nameBytes = ascii(name);
        return table.isCurrentToken(nameBytes, 0, nameBytes.capacity(), token);
    }

    /**
     * Replaces the table with a new one restored from its snapshot, as a follower installing it would.
     *
     * @return the checksum before and after, which must match.
     */
    long[] snapshotAndRestore()
    {
        final long before = table.checksum();
        final InMemorySnapshot snapshot = new InMemorySnapshot();
        table.snapshot(snapshot);
        final LockTable restored = new LockTable(context);
        restored.restore(snapshot.rewind());
        table.close();
        table = restored;
        return new long[]{ before, restored.checksum() };
    }

    List<Deferred> takeDeferred()
    {
        final List<Deferred> taken = new ArrayList<>(deferred);
        deferred.clear();
        taken.sort(Deferred.BY_REQUEST);
        return taken;
    }

    static UnsafeBuffer ascii(final String name)
    {
        return new UnsafeBuffer(name.getBytes(StandardCharsets.US_ASCII));
    }

    public void close()
    {
        table.close();
    }
}
