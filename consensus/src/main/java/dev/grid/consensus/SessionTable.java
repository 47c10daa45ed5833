package dev.grid.consensus;

import dev.grid.core.GridException;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateChecksum;
import dev.grid.sbe.Status;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The client sessions of the replicated state, with each session's last responses for exactly-once retries.
 * <p>
 * Everything is allocated at start: {@code maxSessions} slots, each with {@code responsesPerSession} response
 * records of {@code maxResponseLength} bytes, off-heap. A request's record is chosen by its sequence modulo the
 * records per session, so a lookup is one comparison: the record holds the same sequence (a duplicate: answer the
 * cached response), a higher one (the request is older than the responses kept: refused, since whether it was
 * applied can no longer be told), or a lower one (a new request). A session is identified by the log index of the
 * entry that opened it and expires when log time passes its last activity by the session timeout; slots are
 * chosen lowest-free-first, so every replica lays the table out identically.
 */
final class SessionTable
{
    static final int NEW = 0;
    static final int DUPLICATE = 1;
    static final int TOO_OLD = 2;

    private static final int SEQUENCE_OFFSET = 0;
    private static final int LOG_INDEX_OFFSET = 8;
    private static final int SERVICE_ID_OFFSET = 16;
    private static final int STATUS_OFFSET = 20;
    private static final int LENGTH_OFFSET = 24;
    private static final int RECORD_HEADER_LENGTH = 32;
    private static final int SESSION_HEADER_LENGTH = 20;

    /** Told of each session that expires, in slot order. */
    @FunctionalInterface
    interface ExpiryHandler
    {
        void onExpired(long sessionId);
    }

    private final int maxSessions;
    private final int responsesPerSession;
    private final int maxResponseLength;
    private final int recordLength;
    private final long sessionTimeoutNs;
    private final long[] sessionIds;
    private final long[] lastActivityNs;
    private final Long2LongHashMap slotBySessionId;
    private final UnsafeBuffer records;
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(SESSION_HEADER_LENGTH + 12));
    private int count;
    private long nextExpiryCheckNs = Long.MAX_VALUE;

    SessionTable(final int maxSessions, final int responsesPerSession, final int maxResponseLength,
        final long sessionTimeoutNs)
    {
        this.maxSessions = maxSessions;
        this.responsesPerSession = responsesPerSession;
        this.maxResponseLength = maxResponseLength;
        this.recordLength = BitUtil.align(RECORD_HEADER_LENGTH + maxResponseLength, 8);
        this.sessionTimeoutNs = sessionTimeoutNs;
        this.sessionIds = new long[maxSessions];
        this.lastActivityNs = new long[maxSessions];
        this.slotBySessionId = new Long2LongHashMap(maxSessions * 2, 0.65f, -1);
        this.records = new UnsafeBuffer(
            ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(maxSessions, responsesPerSession),
            recordLength)));
    }

    int count()
    {
        return count;
    }

    int maxSessions()
    {
        return maxSessions;
    }

    /**
     * @return the slot of the session, or -1 if it is not open.
     */
    int slotOf(final long sessionId)
    {
        return (int)slotBySessionId.get(sessionId);
    }

    long sessionIdAt(final int slot)
    {
        return sessionIds[slot];
    }

    /**
     * Opens a session named by the index of the entry that opens it.
     *
     * @return its slot, or -1 if the table is full.
     */
    int open(final long sessionId, final long timestampNs)
    {
        if (count == maxSessions)
        {
            return -1;
        }
        int slot = 0;
        while (0 != sessionIds[slot])
        {
            slot++;
        }
        sessionIds[slot] = sessionId;
        lastActivityNs[slot] = timestampNs;
        // A previous session's responses must not survive in the slot: replicas restored from a snapshot never saw
        // them, and the checksum covers every record of a live session.
        records.setMemory(recordOffset(slot, 0), responsesPerSession * recordLength, (byte)0);
        slotBySessionId.put(sessionId, slot);
        count++;
        nextExpiryCheckNs = Math.min(nextExpiryCheckNs, timestampNs + sessionTimeoutNs);
        return slot;
    }

    void touch(final int slot, final long timestampNs)
    {
        lastActivityNs[slot] = Math.max(lastActivityNs[slot], timestampNs);
    }

    void close(final int slot)
    {
        slotBySessionId.remove(sessionIds[slot]);
        sessionIds[slot] = 0;
        count--;
    }

    /**
     * Expires the sessions whose last activity is more than the session timeout before log time.
     */
    void expire(final long timestampNs, final ExpiryHandler handler)
    {
        if (timestampNs < nextExpiryCheckNs)
        {
            return;
        }
        long next = Long.MAX_VALUE;
        for (int slot = 0; slot < maxSessions; slot++)
        {
            final long sessionId = sessionIds[slot];
            if (0 != sessionId)
            {
                final long deadline = lastActivityNs[slot] + sessionTimeoutNs;
                if (timestampNs > deadline)
                {
                    close(slot);
                    handler.onExpired(sessionId);
                }
                else
                {
                    next = Math.min(next, deadline);
                }
            }
        }
        nextExpiryCheckNs = next;
    }

    /**
     * Classifies a request and remembers where its record is, for {@link #store} or the cached answer.
     *
     * @return {@link #NEW}, {@link #DUPLICATE} or {@link #TOO_OLD}.
     */
    int lookup(final int slot, final long requestSequence)
    {
        final long stored = records.getLong(recordOffset(slot, requestSequence) + SEQUENCE_OFFSET);
        if (stored == requestSequence)
        {
            return DUPLICATE;
        }
        return stored > requestSequence ? TOO_OLD : NEW;
    }

    void store(
        final int slot,
        final long requestSequence,
        final long logIndex,
        final int serviceId,
        final Status status,
        final DirectBuffer response,
        final int offset,
        final int length)
    {
        final int record = recordOffset(slot, requestSequence);
        records.putLong(record + SEQUENCE_OFFSET, requestSequence);
        records.putLong(record + LOG_INDEX_OFFSET, logIndex);
        records.putInt(record + SERVICE_ID_OFFSET, serviceId);
        records.putInt(record + STATUS_OFFSET, status.value());
        records.putInt(record + LENGTH_OFFSET, length);
        if (length > 0)
        {
            records.putBytes(record + RECORD_HEADER_LENGTH, response, offset, length);
        }
    }

    /**
     * @return true if the session holds a record for exactly this request (an answer to replace).
     */
    boolean holds(final int slot, final long requestSequence)
    {
        return records.getLong(recordOffset(slot, requestSequence) + SEQUENCE_OFFSET) == requestSequence;
    }

    long cachedLogIndex(final int slot, final long requestSequence)
    {
        return records.getLong(recordOffset(slot, requestSequence) + LOG_INDEX_OFFSET);
    }

    int cachedServiceId(final int slot, final long requestSequence)
    {
        return records.getInt(recordOffset(slot, requestSequence) + SERVICE_ID_OFFSET);
    }

    Status cachedStatus(final int slot, final long requestSequence)
    {
        return Status.get((short)records.getInt(recordOffset(slot, requestSequence) + STATUS_OFFSET));
    }

    int cachedLength(final int slot, final long requestSequence)
    {
        return records.getInt(recordOffset(slot, requestSequence) + LENGTH_OFFSET);
    }

    int cachedOffset(final int slot, final long requestSequence)
    {
        return recordOffset(slot, requestSequence) + RECORD_HEADER_LENGTH;
    }

    DirectBuffer records()
    {
        return records;
    }

    int maxResponseLength()
    {
        return maxResponseLength;
    }

    long checksum(final StateChecksum checksum)
    {
        checksum.reset().update(count);
        for (int slot = 0; slot < maxSessions; slot++)
        {
            if (0 != sessionIds[slot])
            {
                checksum.update(slot).update(sessionIds[slot]).update(lastActivityNs[slot]);
                for (int i = 0; i < responsesPerSession; i++)
                {
                    final int record = recordOffset(slot, i);
                    checksum.update(records, record, RECORD_HEADER_LENGTH + records.getInt(record + LENGTH_OFFSET));
                }
            }
        }
        return checksum.value();
    }

    void snapshot(final SnapshotWriter writer)
    {
        scratch.putInt(0, count);
        scratch.putInt(4, responsesPerSession);
        writer.write(scratch, 0, 8);
        for (int slot = 0; slot < maxSessions; slot++)
        {
            if (0 != sessionIds[slot])
            {
                scratch.putInt(0, slot);
                scratch.putLong(4, sessionIds[slot]);
                scratch.putLong(12, lastActivityNs[slot]);
                writer.write(scratch, 0, SESSION_HEADER_LENGTH);
                for (int i = 0; i < responsesPerSession; i++)
                {
                    final int record = recordOffset(slot, i);
                    writer.write(records, record, RECORD_HEADER_LENGTH + records.getInt(record + LENGTH_OFFSET));
                }
            }
        }
    }

    /**
     * Replaces the table with a snapshot's.
     *
     * @throws GridException MALFORMED if the snapshot does not fit this table's budgets.
     */
    void restore(final SnapshotReader reader)
    {
        clear();
        reader.readFully(scratch, 0, 8);
        final int restoredCount = scratch.getInt(0);
        if (restoredCount < 0 || restoredCount > maxSessions || scratch.getInt(4) != responsesPerSession)
        {
            throw new GridException(Status.MALFORMED, "session table snapshot does not fit: " + restoredCount +
                " sessions of " + scratch.getInt(4) + " responses");
        }
        for (int s = 0; s < restoredCount; s++)
        {
            reader.readFully(scratch, 0, SESSION_HEADER_LENGTH);
            final int slot = scratch.getInt(0);
            final long sessionId = scratch.getLong(4);
            if (slot < 0 || slot >= maxSessions || 0 != sessionIds[slot] || sessionId <= 0)
            {
                throw new GridException(Status.MALFORMED, "session snapshot has a bad slot " + slot);
            }
            sessionIds[slot] = sessionId;
            lastActivityNs[slot] = scratch.getLong(12);
            slotBySessionId.put(sessionId, slot);
            for (int i = 0; i < responsesPerSession; i++)
            {
                final int record = recordOffset(slot, i);
                reader.readFully(records, record, RECORD_HEADER_LENGTH);
                final int length = records.getInt(record + LENGTH_OFFSET);
                if (length < 0 || length > maxResponseLength)
                {
                    throw new GridException(Status.MALFORMED, "session snapshot has a response of " + length);
                }
                reader.readFully(records, record + RECORD_HEADER_LENGTH, length);
            }
            nextExpiryCheckNs = Math.min(nextExpiryCheckNs, lastActivityNs[slot] + sessionTimeoutNs);
        }
        count = restoredCount;
    }

    private void clear()
    {
        for (int slot = 0; slot < maxSessions; slot++)
        {
            sessionIds[slot] = 0;
        }
        slotBySessionId.clear();
        count = 0;
        nextExpiryCheckNs = Long.MAX_VALUE;
    }

    private int recordOffset(final int slot, final long requestSequence)
    {
        return (slot * responsesPerSession + (int)Math.floorMod(requestSequence, (long)responsesPerSession)) *
            recordLength;
    }
}
