package dev.grid.node;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Requests a node has passed to Raft and must answer when Raft calls back: session opens and linearizable reads.
 * Raft knows them by an id this node makes up ({@code memberId << 48 | counter}), so ids from different clients
 * never collide; the record keeps what the answer needs — the client's correlation id, the egress slot, and for a
 * read its session, service and query bytes.
 * <p>
 * A fixed pool allocated at start: when it is full a request is refused at once (LIMIT_EXCEEDED), never queued.
 */
final class PendingRequests
{
    static final int NONE = -1;

    private final Long2LongHashMap recordById;
    private final long[] ids;
    private final long[] correlationIds;
    private final long[] sessionIds;
    private final int[] egressSlots;
    private final int[] serviceIds;
    private final int[] queryLengths;
    private final int[] freeRecords;
    private final UnsafeBuffer queries;
    private final int maxQueryLength;
    private final long idBase;
    private int freeCount;
    private long nextId;

    PendingRequests(final int memberId, final int capacity, final int maxQueryLength)
    {
        recordById = new Long2LongHashMap(capacity * 2, 0.65f, NONE);
        ids = new long[capacity];
        correlationIds = new long[capacity];
        sessionIds = new long[capacity];
        egressSlots = new int[capacity];
        serviceIds = new int[capacity];
        queryLengths = new int[capacity];
        freeRecords = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            freeRecords[i] = capacity - 1 - i;
        }
        freeCount = capacity;
        this.maxQueryLength = maxQueryLength;
        queries = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity * maxQueryLength));
        idBase = (long)memberId << 48;
    }

    int maxQueryLength()
    {
        return maxQueryLength;
    }

    /**
     * @return the new request's record, or {@link #NONE} when the pool is full.
     */
    int add(final long correlationId, final long sessionId, final int egressSlot, final int serviceId)
    {
        if (0 == freeCount)
        {
            return NONE;
        }
        final int record = freeRecords[--freeCount];
        final long id = idBase | (++nextId & 0xFFFF_FFFF_FFFFL);
        ids[record] = id;
        correlationIds[record] = correlationId;
        sessionIds[record] = sessionId;
        egressSlots[record] = egressSlot;
        serviceIds[record] = serviceId;
        queryLengths[record] = 0;
        recordById.put(id, record);
        return record;
    }

    void putQuery(final int record, final org.agrona.DirectBuffer buffer, final int offset, final int length)
    {
        queries.putBytes(record * maxQueryLength, buffer, offset, length);
        queryLengths[record] = length;
    }

    /**
     * @return the record Raft's id stands for, or {@link #NONE} if this node did not make it (or it was answered).
     */
    int recordOf(final long id)
    {
        return (int)recordById.get(id);
    }

    long id(final int record)
    {
        return ids[record];
    }

    long correlationId(final int record)
    {
        return correlationIds[record];
    }

    long sessionId(final int record)
    {
        return sessionIds[record];
    }

    int egressSlot(final int record)
    {
        return egressSlots[record];
    }

    int serviceId(final int record)
    {
        return serviceIds[record];
    }

    UnsafeBuffer queries()
    {
        return queries;
    }

    int queryOffset(final int record)
    {
        return record * maxQueryLength;
    }

    int queryLength(final int record)
    {
        return queryLengths[record];
    }

    void remove(final int record)
    {
        recordById.remove(ids[record]);
        freeRecords[freeCount++] = record;
    }
}
