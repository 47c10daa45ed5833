package dev.grid.cache;

import dev.grid.sbe.CacheClearEncoder;
import dev.grid.sbe.CacheGetAllEncoder;
import dev.grid.sbe.CacheGetEncoder;
import dev.grid.sbe.CacheIncrementEncoder;
import dev.grid.sbe.CachePutAllEncoder;
import dev.grid.sbe.CachePutEncoder;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CacheRemoveEncoder;
import dev.grid.sbe.CacheStatsEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Encodes cache commands into a caller's buffer: what a client (or a test, a benchmark, the trace replayer) puts
 * in a log entry's payload. Allocation-free after construction; single-threaded. A write is fenced when
 * {@link #fence} was called before it; {@link #noFence()} clears that.
 */
public final class CacheCommands
{
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CacheGetEncoder getEncoder = new CacheGetEncoder();
    private final CachePutEncoder putEncoder = new CachePutEncoder();
    private final CacheRemoveEncoder removeEncoder = new CacheRemoveEncoder();
    private final CacheIncrementEncoder incrementEncoder = new CacheIncrementEncoder();
    private final CacheGetAllEncoder getAllEncoder = new CacheGetAllEncoder();
    private final CachePutAllEncoder putAllEncoder = new CachePutAllEncoder();
    private final CacheClearEncoder clearEncoder = new CacheClearEncoder();
    private final CacheStatsEncoder statsEncoder = new CacheStatsEncoder();
    private CacheGetAllEncoder.KeysEncoder keysEncoder;
    private CachePutAllEncoder.EntriesEncoder entriesEncoder;
    private MutableDirectBuffer buffer;
    private int offset;
    private DirectBuffer fenceLock = EMPTY;
    private int fenceLockOffset;
    private int fenceLockLength;
    private long fenceToken;

    /**
     * @return this, writing the next command at {@code offset} of {@code buffer}.
     */
    public CacheCommands wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /**
     * Fences the following writes with a lock's fencing token.
     */
    public CacheCommands fence(
        final DirectBuffer lockName, final int lockOffset, final int lockLength, final long token)
    {
        fenceLock = lockName;
        fenceLockOffset = lockOffset;
        fenceLockLength = lockLength;
        fenceToken = token;
        return this;
    }

    public CacheCommands noFence()
    {
        fenceLock = EMPTY;
        fenceLockOffset = 0;
        fenceLockLength = 0;
        fenceToken = 0;
        return this;
    }

    public int get(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        getEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).putKey(key, keyOffset, keyLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + getEncoder.encodedLength();
    }

    public int put(
        final CachePutMode mode,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final long ttlNanos,
        final long expectedVersion)
    {
        putEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .mode(mode)
            .ttlNanos(ttlNanos)
            .expectedVersion(expectedVersion)
            .fenceToken(fenceToken)
            .putFenceLock(fenceLock, fenceLockOffset, fenceLockLength)
            .putKey(key, keyOffset, keyLength)
            .putValue(value, valueOffset, valueLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + putEncoder.encodedLength();
    }

    public int remove(final DirectBuffer key, final int keyOffset, final int keyLength, final long expectedVersion)
    {
        removeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .expectedVersion(expectedVersion)
            .fenceToken(fenceToken)
            .putFenceLock(fenceLock, fenceLockOffset, fenceLockLength)
            .putKey(key, keyOffset, keyLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + removeEncoder.encodedLength();
    }

    public int increment(final DirectBuffer key, final int keyOffset, final int keyLength, final long delta,
        final long ttlNanos)
    {
        incrementEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .delta(delta)
            .ttlNanos(ttlNanos)
            .fenceToken(fenceToken)
            .putFenceLock(fenceLock, fenceLockOffset, fenceLockLength)
            .putKey(key, keyOffset, keyLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + incrementEncoder.encodedLength();
    }

    /**
     * Starts a getAll of {@code count} keys: call {@link #getAllKey} that many times, then {@link #getAllEnd()}.
     */
    public CacheCommands getAllBegin(final int count)
    {
        getAllEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder);
        keysEncoder = getAllEncoder.keysCount(count);
        return this;
    }

    public CacheCommands getAllKey(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        keysEncoder.next().putKey(key, keyOffset, keyLength);
        return this;
    }

    public int getAllEnd()
    {
        return MessageHeaderEncoder.ENCODED_LENGTH + getAllEncoder.encodedLength();
    }

    /**
     * Starts a putAll of {@code count} entries: call {@link #putAllEntry} that many times, then
     * {@link #putAllEnd()}.
     */
    public CacheCommands putAllBegin(final int count, final long ttlNanos)
    {
        putAllEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).ttlNanos(ttlNanos).fenceToken(fenceToken);
        entriesEncoder = putAllEncoder.entriesCount(count);
        return this;
    }

    public CacheCommands putAllEntry(
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength)
    {
        entriesEncoder.next().putKey(key, keyOffset, keyLength).putValue(value, valueOffset, valueLength);
        return this;
    }

    public int putAllEnd()
    {
        putAllEncoder.putFenceLock(fenceLock, fenceLockOffset, fenceLockLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + putAllEncoder.encodedLength();
    }

    public int clear()
    {
        clearEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .fenceToken(fenceToken)
            .putFenceLock(fenceLock, fenceLockOffset, fenceLockLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + clearEncoder.encodedLength();
    }

    public int stats()
    {
        statsEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).reserved(0);
        return MessageHeaderEncoder.ENCODED_LENGTH + statsEncoder.encodedLength();
    }
}
