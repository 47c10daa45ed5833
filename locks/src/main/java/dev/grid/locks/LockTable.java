package dev.grid.locks;

import dev.grid.core.DeferredResponses;
import dev.grid.core.Fences;
import dev.grid.core.GridException;
import dev.grid.core.MessageBounds;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateChecksum;
import dev.grid.core.ServiceQuery;
import dev.grid.core.StateMachine;
import dev.grid.sbe.LockAcquireDecoder;
import dev.grid.sbe.LockQueryDecoder;
import dev.grid.sbe.LockReleaseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.Status;
import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The fenced-lock state machine: named, FIFO, reentrant locks owned by (client session, owner id) pairs, whose
 * fencing tokens are the Raft indexes of the entries that granted them. It also answers the grid's {@link Fences}
 * check, so that other services refuse writes carrying a stale token.
 * <p>
 * Memory is fixed at construction by the {@link LockTableContext} budgets: dense primitive arrays for locks and for
 * queued requests, the lock names off-heap, a {@link SlotIndex} of locks by name, per lock a few hash chains of its
 * queued requests by session and owner, and a {@link DeadlineHeap}. A lock takes room only while held: a lock is
 * held whenever it has waiters, since a release hands it straight to the first of them. Removal moves the last
 * record into the hole, so the dense arrays are a deterministic function of the log; the snapshot and the checksum
 * are those arrays in order, and the indexes and the heap are derived from them on restore.
 * <p>
 * Single writer: every method is for the node's agent thread, and none allocates after construction.
 */
public final class LockTable implements StateMachine, ServiceQuery, Fences, AutoCloseable
{
    /** {@code waitTimeout} of a request that waits until it is granted. */
    public static final long WAIT_FOREVER = -1;

    static final long SNAPSHOT_MAGIC = 0x4C4F434B5441424CL;
    static final int SNAPSHOT_FORMAT = 2;
    private static final int SNAPSHOT_HEADER_LENGTH = Long.BYTES + 3 * Integer.BYTES;
    private static final int LOCK_RECORD_FIXED_LENGTH = 3 * Long.BYTES + 2 * Integer.BYTES;
    private static final int WAITER_RECORD_LENGTH = 5 * Long.BYTES;

    private static final int NONE = -1;
    private static final int MAX_BUCKETS_PER_LOCK = 64;
    private static final int MAX_BUCKET_HEADS = 1 << 26;
    private static final long NO_DEADLINE = Long.MAX_VALUE;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private final int serviceId;
    private final int maxLocks;
    private final int maxWaitersPerLock;
    private final int maxWaiters;
    private final int maxNameLength;
    private final int defaultAcquireLimit;
    private final DeferredResponses deferredResponses;

    // Locks, dense in [0, lockCount); every record is a held lock.
    private final UnsafeBuffer names;
    private final int[] nameLength;
    private final int[] nameHash;
    private final long[] holderSession;
    private final long[] holderOwner;
    private final long[] token;
    private final int[] holdCount;
    private final int[] waitHead;
    private final int[] waitTail;
    private final int[] waitCount;
    private int lockCount;

    // Derived, rebuilt on restore: lock slot by name.
    private final SlotIndex nameIndex;

    // Derived, rebuilt on restore: each lock's queued requests by (session, owner), so that an owner queued twice is
    // refused without a scan of the queue or a probe into a table-wide index (a cache miss). Lock slot s owns the
    // chain heads [s << bucketShift, (s + 1) << bucketShift), all NONE while it has no queue; chains are doubly
    // linked through the waiter slots.
    private final int bucketShift;
    private final int bucketMask;
    private final int[] bucketHeads;

    // Queued requests, linked per lock in FIFO order. A slot stays put while its request waits (no record moves on
    // removal); freed slots are reused last-freed first, and slots never used yet are taken from waiterSlotsUsed.
    private final long[] waiterSession;
    private final long[] waiterOwner;
    private final long[] waiterSequence;
    private final long[] waiterDeadline;
    private final long[] waiterTicket;
    private final int[] waiterLock;
    private final int[] waiterBucket;
    private final int[] waiterBucketPrev;
    private final int[] waiterBucketNext;
    private final int[] waiterPrev;
    private final int[] waiterNext;
    private int waiterCount;
    private int waiterSlotsUsed;
    private int freeWaiter = NONE;

    // The waiters with a deadline, soonest first.
    private final DeadlineHeap deadlines;

    private final MessageBounds bounds = MessageBounds.instance();
    private final LockAcquireDecoder acquireDecoder = new LockAcquireDecoder();
    private final LockReleaseDecoder releaseDecoder = new LockReleaseDecoder();
    private final LockQueryDecoder queryDecoder = new LockQueryDecoder();
    private long appliedIndex;
    private final UnsafeBuffer deferredBuffer = new UnsafeBuffer(new byte[LockResponses.LENGTH]);
    private final UnsafeBuffer snapshotRecord;
    private final StateChecksum stateChecksum = new StateChecksum();
    private final SnapshotWriter checksumWriter = stateChecksum::update;

    // What this table did since it was created, for the node's counters. Not replicated state: neither snapshot nor
    // checksum holds them, so a restore keeps them and a restarted node counts what it applies again.
    private long grants;
    private long handOffs;
    private long sessionReleases;
    private long waitTimeouts;
    private long refusals;
    private long fenceRefusals;

    /**
     * Allocates everything the table will ever use.
     *
     * @param context the budgets and the deferred-response sink; concluded here if it was not.
     */
    public LockTable(final LockTableContext context)
    {
        if (!context.isConcluded())
        {
            context.conclude();
        }
        serviceId = context.serviceId();
        maxLocks = context.maxLocks();
        maxWaitersPerLock = context.maxWaitersPerLock();
        maxWaiters = context.maxWaiters();
        maxNameLength = context.maxNameLength();
        defaultAcquireLimit = context.defaultAcquireLimit();
        deferredResponses = context.deferredResponses();

        names = new UnsafeBuffer(ByteBuffer.allocateDirect(maxLocks * maxNameLength));
        nameLength = new int[maxLocks];
        nameHash = new int[maxLocks];
        holderSession = new long[maxLocks];
        holderOwner = new long[maxLocks];
        token = new long[maxLocks];
        holdCount = new int[maxLocks];
        waitHead = new int[maxLocks];
        waitTail = new int[maxLocks];
        waitCount = new int[maxLocks];

        nameIndex = new SlotIndex(maxLocks);
        bucketShift = Integer.numberOfTrailingZeros(bucketsPerLock(maxLocks, maxWaitersPerLock, maxWaiters));
        bucketMask = (1 << bucketShift) - 1;
        bucketHeads = new int[maxLocks << bucketShift];
        Arrays.fill(bucketHeads, NONE);

        waiterSession = new long[maxWaiters];
        waiterOwner = new long[maxWaiters];
        waiterSequence = new long[maxWaiters];
        waiterDeadline = new long[maxWaiters];
        waiterTicket = new long[maxWaiters];
        waiterLock = new int[maxWaiters];
        waiterBucket = new int[maxWaiters];
        waiterBucketPrev = new int[maxWaiters];
        waiterBucketNext = new int[maxWaiters];
        waiterPrev = new int[maxWaiters];
        waiterNext = new int[maxWaiters];
        deadlines = new DeadlineHeap(waiterDeadline, waiterTicket);

        LockResponses.encode(deferredBuffer, 0, Status.OK, 0, 0, 0, 0, 0, 0);
        snapshotRecord = new UnsafeBuffer(new byte[
            Math.max(SNAPSHOT_HEADER_LENGTH, Math.max(WAITER_RECORD_LENGTH, LOCK_RECORD_FIXED_LENGTH))]);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // StateMachine

    public int apply(
        final long index,
        final long timestamp,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer command,
        final int offset,
        final int length,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        if (bounds.check(command, offset, length) < 0)
        {
            return answer(Status.MALFORMED, index, NONE, response, responseOffset);
        }
        final long header = command.getLong(offset, ORDER);
        final int blockOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int blockLength = headerField(header, MessageHeaderDecoder.blockLengthEncodingOffset());
        final int version = headerField(header, MessageHeaderDecoder.versionEncodingOffset());
        switch (headerField(header, MessageHeaderDecoder.templateIdEncodingOffset()))
        {
            case LockAcquireDecoder.TEMPLATE_ID:
                acquireDecoder.wrap(command, blockOffset, blockLength, version);
                return acquire(index, timestamp, sessionId, requestSequence, command, response, responseOffset);

            case LockReleaseDecoder.TEMPLATE_ID:
                releaseDecoder.wrap(command, blockOffset, blockLength, version);
                return release(index, sessionId, command, response, responseOffset);

            case LockQueryDecoder.TEMPLATE_ID:
                queryDecoder.wrap(command, blockOffset, blockLength, version);
                return answerQuery(index, command, response, responseOffset);

            default:
                return answer(Status.MALFORMED, index, NONE, response, responseOffset);
        }
    }

    /**
     * Answers a {@code LockQuery} (holder, token, hold count, waiters) from the state applied so far, without a log
     * entry and without changing anything; its index is the last entry applied.
     */
    public int query(
        final DirectBuffer query,
        final int offset,
        final int length,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        if (bounds.check(query, offset, length, LockQueryDecoder.TEMPLATE_ID) < 0)
        {
            return answer(Status.MALFORMED, appliedIndex, NONE, response, responseOffset);
        }
        final long header = query.getLong(offset, ORDER);
        queryDecoder.wrap(query, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            headerField(header, MessageHeaderDecoder.blockLengthEncodingOffset()),
            headerField(header, MessageHeaderDecoder.versionEncodingOffset()));
        return answerQuery(appliedIndex, query, response, responseOffset);
    }

    /**
     * A uint16 field of a message header read as one word (four uint16 fields, the word {@link MessageBounds} has
     * just checked): one read instead of a flyweight's three.
     */
    private static int headerField(final long header, final int fieldOffset)
    {
        return (int)(header >>> (fieldOffset * Byte.SIZE)) & 0xFFFF;
    }

    private int answerQuery(
        final long index, final DirectBuffer query, final MutableDirectBuffer response, final int responseOffset)
    {
        final int nameLength = queryDecoder.lockNameLength();
        final int nameOffset = queryDecoder.limit() + LockQueryDecoder.lockNameHeaderLength();
        final Status nameStatus = checkName(nameLength);
        final int slot = null == nameStatus ? find(query, nameOffset, nameLength) : NONE;
        return answer(null == nameStatus ? Status.OK : nameStatus, index, slot, response, responseOffset);
    }

    public void onLogTime(final long index, final long timestamp)
    {
        appliedIndex = index;
        while (!deadlines.isEmpty() && waiterDeadline[deadlines.peek()] <= timestamp)
        {
            final int waiter = deadlines.peek();
            final int slot = waiterLock[waiter];
            final long sessionId = waiterSession[waiter];
            final long requestSequence = waiterSequence[waiter];
            removeWaiter(waiter);
            waitTimeouts++;
            respondLater(sessionId, requestSequence, Status.TIMEOUT, index, slot);
        }
    }

    /**
     * Drops the session's queued requests (answering each OWNERSHIP_LOST) and releases every lock it holds, handing
     * each to its first remaining waiter with this entry's index as the new token. Each lock is settled on its own,
     * its queue in FIFO order, so the answers do not depend on where records sit. Costs a pass over the held locks
     * and their queues, once per closed session.
     */
    public void onSessionClosed(final long index, final long timestamp, final long sessionId)
    {
        // Downwards, so a lock record moved into a freed slot has been settled already.
        for (int slot = lockCount - 1; slot >= 0; slot--)
        {
            int waiter = waitHead[slot];
            while (NONE != waiter)
            {
                final int next = waiterNext[waiter];
                if (waiterSession[waiter] == sessionId)
                {
                    final long requestSequence = waiterSequence[waiter];
                    removeWaiter(waiter);
                    respondLater(sessionId, requestSequence, Status.OWNERSHIP_LOST, index, slot);
                }
                waiter = next;
            }
            if (holderSession[slot] == sessionId)
            {
                sessionReleases++;
                releaseAndHandOff(slot, index);
            }
        }
    }

    /**
     * Snapshot layout (little-endian, format 2): magic, format, lock count, waiter count; then each lock in slot order
     * (name length, name, holder session, holder owner, token, hold count, queue length), each followed by its queued
     * requests in FIFO order (session, owner, request sequence, deadline, ticket). Waiter slots are not written: they
     * never change an answer, so the snapshot and the checksum depend only on the queues themselves.
     */
    public void snapshot(final SnapshotWriter writer)
    {
        final UnsafeBuffer record = snapshotRecord;
        record.putLong(0, SNAPSHOT_MAGIC, ORDER);
        record.putInt(8, SNAPSHOT_FORMAT, ORDER);
        record.putInt(12, lockCount, ORDER);
        record.putInt(16, waiterCount, ORDER);
        writer.write(record, 0, SNAPSHOT_HEADER_LENGTH);
        for (int slot = 0; slot < lockCount; slot++)
        {
            record.putInt(0, nameLength[slot], ORDER);
            writer.write(record, 0, Integer.BYTES);
            writer.write(names, nameOffset(slot), nameLength[slot]);
            record.putLong(0, holderSession[slot], ORDER);
            record.putLong(8, holderOwner[slot], ORDER);
            record.putLong(16, token[slot], ORDER);
            record.putInt(24, holdCount[slot], ORDER);
            record.putInt(28, waitCount[slot], ORDER);
            writer.write(record, 0, LOCK_RECORD_FIXED_LENGTH);
            for (int waiter = waitHead[slot]; NONE != waiter; waiter = waiterNext[waiter])
            {
                record.putLong(0, waiterSession[waiter], ORDER);
                record.putLong(8, waiterOwner[waiter], ORDER);
                record.putLong(16, waiterSequence[waiter], ORDER);
                record.putLong(24, waiterDeadline[waiter], ORDER);
                record.putLong(32, waiterTicket[waiter], ORDER);
                writer.write(record, 0, WAITER_RECORD_LENGTH);
            }
        }
    }

    /**
     * Replaces the state with a snapshot. A snapshot that does not fit this table's budgets, or whose records do not
     * form consistent locks and queues, is refused with MALFORMED and leaves the table empty.
     */
    public void restore(final SnapshotReader reader)
    {
        clear();
        try
        {
            readSnapshot(reader);
        }
        catch (final GridException ex)
        {
            clear();
            throw ex;
        }
    }

    /**
     * The checksum of exactly what {@link #snapshot} writes, so equal checksums mean equal snapshots.
     */
    public long checksum()
    {
        stateChecksum.reset();
        snapshot(checksumWriter);
        return stateChecksum.value();
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Fences and local reads (single writer: call them on the agent thread, between applies)

    public boolean isCurrentToken(final DirectBuffer lockName, final int offset, final int length, final long token)
    {
        final int slot = token > 0 && length > 0 && length <= maxNameLength ? find(lockName, offset, length) : NONE;
        if (NONE != slot && this.token[slot] == token)
        {
            return true;
        }
        fenceRefusals++;
        return false;
    }

    /**
     * @return the holder's fencing token, or 0 if the lock is free (or the name is not a valid lock name).
     */
    public long currentToken(final DirectBuffer lockName, final int offset, final int length)
    {
        final int slot = length > 0 && length <= maxNameLength ? find(lockName, offset, length) : NONE;
        return NONE == slot ? 0 : token[slot];
    }

    /**
     * @return holds stacked by the holder, 0 if the lock is free.
     */
    public int holdCount(final DirectBuffer lockName, final int offset, final int length)
    {
        final int slot = length > 0 && length <= maxNameLength ? find(lockName, offset, length) : NONE;
        return NONE == slot ? 0 : holdCount[slot];
    }

    /**
     * @return locks held now.
     */
    public int lockCount()
    {
        return lockCount;
    }

    /**
     * @return requests queued now, over all locks.
     */
    public int waiterCount()
    {
        return waiterCount;
    }

    /**
     * @return acquires that made their owner the holder: at once, or handed off from a queue.
     */
    public long grants()
    {
        return grants;
    }

    /**
     * @return grants to a queued request, on a release or when the holder's session closed or expired.
     */
    public long handOffs()
    {
        return handOffs;
    }

    /**
     * @return locks released because their holder's session closed or expired.
     */
    public long sessionReleases()
    {
        return sessionReleases;
    }

    /**
     * @return queued requests answered TIMEOUT because their wait ran out.
     */
    public long waitTimeouts()
    {
        return waitTimeouts;
    }

    /**
     * @return commands and queries answered with neither OK nor PENDING (lock busy with no wait, limits, not the
     * holder, ownership lost, already waiting, bad input).
     */
    public long refusals()
    {
        return refusals;
    }

    /**
     * @return fence checks ({@link #isCurrentToken}) that found the token not current: writes refused FENCED.
     */
    public long fenceRefusals()
    {
        return fenceRefusals;
    }

    /**
     * Frees the off-heap name store; the table must not be used afterwards.
     */
    public void close()
    {
        BufferUtil.free(names.byteBuffer());
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Commands

    /**
     * The acquire whose block {@link #acquireDecoder} has wrapped; the lock name is read in place in the command.
     */
    private int acquire(
        final long index,
        final long timestamp,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer command,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        final LockAcquireDecoder decoder = acquireDecoder;
        final long ownerId = decoder.ownerId();
        final long waitTimeout = decoder.waitTimeout();
        final long heldToken = decoder.heldToken();
        final int requestedLimit = decoder.acquireLimit();
        final int nameLength = decoder.lockNameLength();
        final int nameOffset = decoder.limit() + LockAcquireDecoder.lockNameHeaderLength();
        final Status nameStatus = checkName(nameLength);
        if (null != nameStatus || waitTimeout < WAIT_FOREVER || heldToken < 0 || requestedLimit < 0)
        {
            return answer(null != nameStatus ? nameStatus : Status.MALFORMED, index, NONE, response, responseOffset);
        }

        final int hash = hash(command, nameOffset, nameLength);
        final int slot = find(command, nameOffset, nameLength, hash);
        if (NONE == slot)
        {
            if (0 != heldToken)
            {
                return answer(Status.OWNERSHIP_LOST, index, NONE, response, responseOffset);
            }
            if (lockCount == maxLocks)
            {
                return answer(Status.LIMIT_EXCEEDED, index, NONE, response, responseOffset);
            }
            final int granted = grantNew(command, nameOffset, nameLength, hash, sessionId, ownerId, index);
            return answer(Status.OK, index, granted, response, responseOffset);
        }

        if (holderSession[slot] == sessionId && holderOwner[slot] == ownerId)
        {
            if (0 != heldToken && heldToken != token[slot])
            {
                return answer(Status.OWNERSHIP_LOST, index, slot, response, responseOffset);
            }
            final int acquireLimit = 0 == requestedLimit ? defaultAcquireLimit : requestedLimit;
            if (holdCount[slot] >= acquireLimit)
            {
                return answer(Status.LIMIT_EXCEEDED, index, slot, response, responseOffset);
            }
            holdCount[slot]++;
            return answer(Status.OK, index, slot, response, responseOffset);
        }

        if (0 != heldToken)
        {
            return answer(Status.OWNERSHIP_LOST, index, slot, response, responseOffset);
        }
        if (0 == waitTimeout)
        {
            return answer(Status.TIMEOUT, index, slot, response, responseOffset);
        }
        if (waitCount[slot] >= maxWaitersPerLock || waiterCount == maxWaiters)
        {
            return answer(Status.LIMIT_EXCEEDED, index, slot, response, responseOffset);
        }
        final int bucket = bucketOf(sessionId, ownerId);
        if (isWaiting(slot, bucket, sessionId, ownerId))
        {
            return answer(Status.ALREADY_EXISTS, index, slot, response, responseOffset);
        }
        final long deadline = WAIT_FOREVER == waitTimeout || timestamp > Long.MAX_VALUE - waitTimeout ?
            NO_DEADLINE : timestamp + waitTimeout;
        enqueue(slot, bucket, sessionId, ownerId, requestSequence, deadline, index);
        return answer(Status.PENDING, index, slot, response, responseOffset);
    }

    /**
     * The release whose block {@link #releaseDecoder} has wrapped; the lock name is read in place in the command.
     */
    private int release(
        final long index,
        final long sessionId,
        final DirectBuffer command,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        final LockReleaseDecoder decoder = releaseDecoder;
        final long ownerId = decoder.ownerId();
        final long heldToken = decoder.heldToken();
        final int nameLength = decoder.lockNameLength();
        final int nameOffset = decoder.limit() + LockReleaseDecoder.lockNameHeaderLength();
        final Status nameStatus = checkName(nameLength);
        if (null != nameStatus || heldToken < 0)
        {
            return answer(null != nameStatus ? nameStatus : Status.MALFORMED, index, NONE, response, responseOffset);
        }

        final int slot = find(command, nameOffset, nameLength);
        if (NONE == slot || holderSession[slot] != sessionId || holderOwner[slot] != ownerId ||
            (0 != heldToken && heldToken != token[slot]))
        {
            final Status status = 0 != heldToken ? Status.OWNERSHIP_LOST : Status.NOT_HOLDER;
            return answer(status, index, slot, response, responseOffset);
        }

        if (--holdCount[slot] > 0)
        {
            return answer(Status.OK, index, slot, response, responseOffset);
        }
        return answer(Status.OK, index, releaseAndHandOff(slot, index), response, responseOffset);
    }

    /**
     * @return the slot, still held by the next waiter, or NONE if the lock became free.
     */
    private int releaseAndHandOff(final int slot, final long index)
    {
        final int next = waitHead[slot];
        if (NONE == next)
        {
            removeLock(slot);
            return NONE;
        }
        assert index > token[slot] : "a hand-off must raise the token: " + index + " after " + token[slot];
        grants++;
        handOffs++;
        final long sessionId = waiterSession[next];
        final long requestSequence = waiterSequence[next];
        holderSession[slot] = sessionId;
        holderOwner[slot] = waiterOwner[next];
        holdCount[slot] = 1;
        token[slot] = index;
        removeWaiter(next);
        respondLater(sessionId, requestSequence, Status.OK, index, slot);
        return slot;
    }

    private int answer(
        final Status status,
        final long index,
        final int slot,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        if (Status.OK != status && Status.PENDING != status)
        {
            refusals++;
        }
        if (NONE == slot)
        {
            return LockResponses.encode(response, responseOffset, status, index, 0, 0, 0, 0, 0);
        }
        return LockResponses.encode(response, responseOffset, status, index,
            token[slot], holderSession[slot], holderOwner[slot], holdCount[slot], waitCount[slot]);
    }

    /**
     * A late answer, written into {@link #deferredBuffer}, whose header was written once at construction.
     */
    private void respondLater(
        final long sessionId, final long requestSequence, final Status status, final long index, final int slot)
    {
        final int length = LockResponses.encodeBlock(deferredBuffer, 0, status, index,
            token[slot], holderSession[slot], holderOwner[slot], holdCount[slot], waitCount[slot]);
        deferredResponses.respond(serviceId, sessionId, requestSequence, deferredBuffer, 0, length);
    }

    private Status checkName(final int length)
    {
        if (0 == length)
        {
            return Status.MALFORMED;
        }
        return length > maxNameLength ? Status.TOO_LARGE : null;
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Locks and the name index

    private int grantNew(
        final DirectBuffer command,
        final int commandNameOffset,
        final int length,
        final int hash,
        final long sessionId,
        final long ownerId,
        final long index)
    {
        final int slot = lockCount++;
        grants++;
        names.putBytes(nameOffset(slot), command, commandNameOffset, length);
        nameLength[slot] = length;
        nameHash[slot] = hash;
        holderSession[slot] = sessionId;
        holderOwner[slot] = ownerId;
        token[slot] = index;
        holdCount[slot] = 1;
        waitHead[slot] = NONE;
        waitTail[slot] = NONE;
        waitCount[slot] = 0;
        nameIndex.insert(hash, slot);
        return slot;
    }

    private void removeLock(final int slot)
    {
        assert NONE == waitHead[slot] && hasNoBucketEntries(slot) : "only a lock without a queue is removed";
        nameIndex.remove(nameHash[slot], slot);
        final int last = --lockCount;
        if (slot != last)
        {
            nameIndex.move(nameHash[last], last, slot);
            names.putBytes(nameOffset(slot), names, nameOffset(last), nameLength[last]);
            nameLength[slot] = nameLength[last];
            nameHash[slot] = nameHash[last];
            holderSession[slot] = holderSession[last];
            holderOwner[slot] = holderOwner[last];
            token[slot] = token[last];
            holdCount[slot] = holdCount[last];
            waitHead[slot] = waitHead[last];
            waitTail[slot] = waitTail[last];
            waitCount[slot] = waitCount[last];
            if (NONE != waitHead[slot])
            {
                final int buckets = bucketMask + 1;
                System.arraycopy(bucketHeads, last << bucketShift, bucketHeads, slot << bucketShift, buckets);
                Arrays.fill(bucketHeads, last << bucketShift, (last << bucketShift) + buckets, NONE);
            }
            for (int waiter = waitHead[slot]; NONE != waiter; waiter = waiterNext[waiter])
            {
                waiterLock[waiter] = slot;
            }
        }
    }

    private int nameOffset(final int slot)
    {
        return slot * maxNameLength;
    }

    private int find(final DirectBuffer buffer, final int offset, final int length)
    {
        return find(buffer, offset, length, hash(buffer, offset, length));
    }

    private int find(final DirectBuffer buffer, final int offset, final int length, final int hash)
    {
        for (int position = nameIndex.first(hash); position >= 0; position = nameIndex.next(hash, position))
        {
            final int slot = nameIndex.slotAt(position);
            if (nameEquals(slot, buffer, offset, length))
            {
                return slot;
            }
        }
        return NONE;
    }

    /**
     * Compares in words; the last word overlaps the one before it rather than ending in a byte loop.
     */
    private boolean nameEquals(final int slot, final DirectBuffer buffer, final int offset, final int length)
    {
        if (nameLength[slot] != length)
        {
            return false;
        }
        final UnsafeBuffer names = this.names;
        final int stored = nameOffset(slot);
        if (length >= Long.BYTES)
        {
            final int lastWord = length - Long.BYTES;
            for (int i = 0; i < lastWord; i += Long.BYTES)
            {
                if (names.getLong(stored + i) != buffer.getLong(offset + i))
                {
                    return false;
                }
            }
            return names.getLong(stored + lastWord) == buffer.getLong(offset + lastWord);
        }
        if (length >= Integer.BYTES)
        {
            final int lastWord = length - Integer.BYTES;
            return names.getInt(stored) == buffer.getInt(offset) &&
                names.getInt(stored + lastWord) == buffer.getInt(offset + lastWord);
        }
        for (int i = 0; i < length; i++)
        {
            if (names.getByte(stored + i) != buffer.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * The name's hash for the name index. Reads whole words, the last one overlapping the one before it (a name of 8
     * to 16 bytes is two reads and two multiplications), so no name ends in a byte loop.
     */
    static int hash(final DirectBuffer buffer, final int offset, final int length)
    {
        long hash = 0x9E3779B97F4A7C15L ^ length;
        final long last;
        if (length >= Long.BYTES)
        {
            final int lastWord = length - Long.BYTES;
            for (int i = 0; i < lastWord; i += Long.BYTES)
            {
                hash = Long.rotateLeft((hash ^ buffer.getLong(offset + i, ORDER)) * 0xC2B2AE3D27D4EB4FL, 31);
            }
            last = buffer.getLong(offset + lastWord, ORDER);
        }
        else if (length >= Integer.BYTES)
        {
            last = (buffer.getInt(offset, ORDER) & 0xFFFF_FFFFL) << 32 |
                (buffer.getInt(offset + length - Integer.BYTES, ORDER) & 0xFFFF_FFFFL);
        }
        else if (length > 0)
        {
            // One to three bytes: first, middle and last cover them all.
            last = (buffer.getByte(offset) & 0xFFL) | (buffer.getByte(offset + (length >> 1)) & 0xFFL) << 8 |
                (buffer.getByte(offset + length - 1) & 0xFFL) << 16;
        }
        else
        {
            last = 0;
        }
        final long mixed = (hash ^ Long.rotateLeft(last * 0x9E3779B97F4A7C15L, 29)) * 0xC2B2AE3D27D4EB4FL;
        return (int)(mixed ^ (mixed >>> 32));
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Waiters and the deadline heap

    private boolean isWaiting(final int slot, final int bucket, final long sessionId, final long ownerId)
    {
        int waiter = bucketHeads[(slot << bucketShift) + bucket];
        for (; NONE != waiter; waiter = waiterBucketNext[waiter])
        {
            if (waiterSession[waiter] == sessionId && waiterOwner[waiter] == ownerId)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the chain, among its lock's, of an owner's queued request.
     */
    private int bucketOf(final long sessionId, final long ownerId)
    {
        final long mixed = (sessionId * 0x9E3779B97F4A7C15L + ownerId) * 0xC2B2AE3D27D4EB4FL;
        return (int)(mixed >>> 40) & bucketMask;
    }

    /**
     * Chains per lock: a sixteenth of the longest queue a lock can have, rounded up to a power of two (16 for the
     * default 256 waiters per lock: one cache line of chain heads per lock), so a full queue gives chains of 16 on
     * average and a short one chains of one or none; at most 64, and at most 2^26 chain heads for the whole table.
     */
    static int bucketsPerLock(final int maxLocks, final int maxWaitersPerLock, final int maxWaiters)
    {
        final int longestQueue = Math.min(maxWaitersPerLock, maxWaiters);
        final int wanted = BitUtil.findNextPositivePowerOfTwo(Math.max(1, (longestQueue + 15) / 16));
        final int affordable = Integer.highestOneBit(Math.max(1, MAX_BUCKET_HEADS / maxLocks));
        return Math.min(Math.min(wanted, MAX_BUCKETS_PER_LOCK), affordable);
    }

    private boolean hasNoBucketEntries(final int slot)
    {
        for (int i = slot << bucketShift, end = (slot + 1) << bucketShift; i < end; i++)
        {
            if (NONE != bucketHeads[i])
            {
                return false;
            }
        }
        return true;
    }

    private void enqueue(
        final int slot,
        final int bucket,
        final long sessionId,
        final long ownerId,
        final long requestSequence,
        final long deadline,
        final long ticket)
    {
        assert waitCount[slot] < maxWaitersPerLock && waiterCount < maxWaiters : "waiter budget checked before";
        assert holdCount[slot] > 0 : "only a held lock has waiters";
        final int waiter = allocateWaiter();
        waiterCount++;
        waiterSession[waiter] = sessionId;
        waiterOwner[waiter] = ownerId;
        waiterSequence[waiter] = requestSequence;
        waiterDeadline[waiter] = deadline;
        waiterTicket[waiter] = ticket;
        waiterLock[waiter] = slot;
        waiterNext[waiter] = NONE;
        final int tail = waitTail[slot];
        waiterPrev[waiter] = tail;
        if (NONE == tail)
        {
            waitHead[slot] = waiter;
        }
        else
        {
            waiterNext[tail] = waiter;
        }
        waitTail[slot] = waiter;
        waitCount[slot]++;
        if (NO_DEADLINE != deadline)
        {
            deadlines.add(waiter);
        }
        final int head = (slot << bucketShift) + bucket;
        final int first = bucketHeads[head];
        waiterBucket[waiter] = bucket;
        waiterBucketPrev[waiter] = NONE;
        waiterBucketNext[waiter] = first;
        if (NONE != first)
        {
            waiterBucketPrev[first] = waiter;
        }
        bucketHeads[head] = waiter;
    }

    private int allocateWaiter()
    {
        final int waiter = freeWaiter;
        if (NONE == waiter)
        {
            return waiterSlotsUsed++;
        }
        freeWaiter = waiterNext[waiter];
        return waiter;
    }

    private void removeWaiter(final int waiter)
    {
        final int slot = waiterLock[waiter];
        final int prev = waiterPrev[waiter];
        final int next = waiterNext[waiter];
        relink(slot, prev, next, next, prev);
        waitCount[slot]--;
        if (NO_DEADLINE != waiterDeadline[waiter])
        {
            deadlines.remove(waiter);
        }
        final int bucketPrev = waiterBucketPrev[waiter];
        final int bucketNext = waiterBucketNext[waiter];
        if (NONE == bucketPrev)
        {
            bucketHeads[(slot << bucketShift) + waiterBucket[waiter]] = bucketNext;
        }
        else
        {
            waiterBucketNext[bucketPrev] = bucketNext;
        }
        if (NONE != bucketNext)
        {
            waiterBucketPrev[bucketNext] = bucketPrev;
        }
        waiterCount--;
        waiterNext[waiter] = freeWaiter;
        freeWaiter = waiter;
    }

    /**
     * Points the queue neighbours {@code prev} and {@code next} (or the queue's ends where there is none) at new
     * waiters: {@code prev}'s next becomes {@code afterPrev}, {@code next}'s previous becomes {@code beforeNext}.
     */
    private void relink(final int slot, final int prev, final int next, final int afterPrev, final int beforeNext)
    {
        if (NONE == prev)
        {
            waitHead[slot] = afterPrev;
        }
        else
        {
            waiterNext[prev] = afterPrev;
        }
        if (NONE == next)
        {
            waitTail[slot] = beforeNext;
        }
        else
        {
            waiterPrev[next] = beforeNext;
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Restore

    private void clear()
    {
        lockCount = 0;
        waiterCount = 0;
        waiterSlotsUsed = 0;
        freeWaiter = NONE;
        deadlines.clear();
        nameIndex.clear();
        Arrays.fill(bucketHeads, NONE);
    }

    private void readSnapshot(final SnapshotReader reader)
    {
        final UnsafeBuffer record = snapshotRecord;
        reader.readFully(record, 0, SNAPSHOT_HEADER_LENGTH);
        final long magic = record.getLong(0, ORDER);
        final int format = record.getInt(8, ORDER);
        final int locks = record.getInt(12, ORDER);
        final int waiters = record.getInt(16, ORDER);
        require(SNAPSHOT_MAGIC == magic && SNAPSHOT_FORMAT == format, "not a lock table snapshot");
        require(locks >= 0 && locks <= maxLocks, "lock count outside this table's budget");
        require(waiters >= 0 && waiters <= maxWaiters, "waiter count outside this table's budget");

        for (int slot = 0; slot < locks; slot++)
        {
            reader.readFully(record, 0, Integer.BYTES);
            final int length = record.getInt(0, ORDER);
            require(length > 0 && length <= maxNameLength, "lock name length outside this table's limit");
            reader.readFully(names, nameOffset(slot), length);
            reader.readFully(record, 0, LOCK_RECORD_FIXED_LENGTH);
            final int hash = hash(names, nameOffset(slot), length);
            nameLength[slot] = length;
            nameHash[slot] = hash;
            holderSession[slot] = record.getLong(0, ORDER);
            holderOwner[slot] = record.getLong(8, ORDER);
            token[slot] = record.getLong(16, ORDER);
            holdCount[slot] = record.getInt(24, ORDER);
            final int queued = record.getInt(28, ORDER);
            waitHead[slot] = NONE;
            waitTail[slot] = NONE;
            waitCount[slot] = 0;
            require(token[slot] > 0 && holdCount[slot] > 0, "lock record is not held");
            require(queued >= 0 && queued <= maxWaitersPerLock, "queue outside the budget");
            require(queued <= waiters - waiterCount, "more queued requests than the header counts");
            require(NONE == find(names, nameOffset(slot), length, hash), "lock name appears twice");
            nameIndex.insert(hash, slot);
            lockCount = slot + 1;

            for (int i = 0; i < queued; i++)
            {
                reader.readFully(record, 0, WAITER_RECORD_LENGTH);
                final long sessionId = record.getLong(0, ORDER);
                final long ownerId = record.getLong(8, ORDER);
                final long deadline = record.getLong(24, ORDER);
                final int bucket = bucketOf(sessionId, ownerId);
                require(sessionId != holderSession[slot] || ownerId != holderOwner[slot], "the holder waits for itself");
                require(!isWaiting(slot, bucket, sessionId, ownerId), "an owner is queued twice on one lock");
                enqueue(slot, bucket, sessionId, ownerId, record.getLong(16, ORDER), deadline,
                    record.getLong(32, ORDER));
            }
        }
        require(waiterCount == waiters, "fewer queued requests than the header counts");
    }

    private static void require(final boolean condition, final String problem)
    {
        if (!condition)
        {
            throw new GridException(Status.MALFORMED, "lock table snapshot refused: " + problem);
        }
    }
}
