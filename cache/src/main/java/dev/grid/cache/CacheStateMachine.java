package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.core.MessageBounds;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateChecksum;
import dev.grid.core.ServiceQuery;
import dev.grid.core.StateMachine;
import dev.grid.sbe.CacheAccessHintsDecoder;
import dev.grid.sbe.CacheClearDecoder;
import dev.grid.sbe.CacheGetAllDecoder;
import dev.grid.sbe.CacheGetAllResponseEncoder;
import dev.grid.sbe.CacheGetDecoder;
import dev.grid.sbe.CacheIncrementDecoder;
import dev.grid.sbe.CachePutAllDecoder;
import dev.grid.sbe.CachePutDecoder;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CacheRemoveDecoder;
import dev.grid.sbe.CacheResponseEncoder;
import dev.grid.sbe.CacheStatsDecoder;
import dev.grid.sbe.CacheStatsResponseEncoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static dev.grid.cache.CacheStore.NONE;

/**
 * One named cache as a replicated {@link StateMachine}: the log feeds it SBE cache commands (templates 80-88), it
 * answers with {@code CacheResponse}, {@code CacheGetAllResponse} or {@code CacheStatsResponse}. Apply is
 * deterministic (log time only, no randomness, defined orders), allocation-free, bounded per command (a command
 * evicts at most what it needs room for; the TTL sweep examines a fixed number of slots per entry), and answers
 * bad input with an error status without changing anything stored.
 * <p>
 * {@link #newReader()} gives application threads local reads of the same memory.
 */
public final class CacheStateMachine implements StateMachine, ServiceQuery, AutoCloseable
{
    private static final int RESPONSE_FIXED_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH +
        CacheResponseEncoder.BLOCK_LENGTH + CacheResponseEncoder.valueHeaderLength() +
        CacheResponseEncoder.detailHeaderLength();

    private final CacheContext context;
    private final CacheStore store;
    private final Fences fences;
    private final MessageBounds bounds = MessageBounds.instance();
    private final StateChecksum checksum = new StateChecksum();

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CacheGetDecoder getDecoder = new CacheGetDecoder();
    private long lastQueryKeyHash;
    // Gets answered by query() on this node: not replicated state (a follower's reads are its own).
    private long queryHits;
    private long queryMisses;
    private final CachePutDecoder putDecoder = new CachePutDecoder();
    private final CacheRemoveDecoder removeDecoder = new CacheRemoveDecoder();
    private final CacheIncrementDecoder incrementDecoder = new CacheIncrementDecoder();
    private final CacheGetAllDecoder getAllDecoder = new CacheGetAllDecoder();
    private final CachePutAllDecoder putAllDecoder = new CachePutAllDecoder();
    private final CacheClearDecoder clearDecoder = new CacheClearDecoder();
    private final CacheStatsDecoder statsDecoder = new CacheStatsDecoder();
    private final CacheAccessHintsDecoder hintsDecoder = new CacheAccessHintsDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CacheResponseEncoder responseEncoder = new CacheResponseEncoder();
    private final CacheGetAllResponseEncoder getAllResponseEncoder = new CacheGetAllResponseEncoder();
    private final CacheStatsResponseEncoder statsResponseEncoder = new CacheStatsResponseEncoder();

    private Status refusal = Status.OK;
    private final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer lockView = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer valueScratch;
    private final long[] batchHashes;
    private final int[] batchSlots;
    private final int[] batchKeyOffsets;
    private final int[] batchKeyLengths;
    private final int[] batchValueOffsets;
    private final int[] batchValueLengths;

    /**
     * Allocates the cache's off-heap memory.
     *
     * @param context the cache's configuration; concluded here.
     * @param fences  the lock table's fence check, for fenced writes ({@link Fences#NONE} without one).
     */
    public CacheStateMachine(final CacheContext context, final Fences fences)
    {
        this.context = context.conclude();
        this.fences = fences;
        store = new CacheStore(context);
        valueScratch = new UnsafeBuffer(new byte[Math.max(Long.BYTES, context.maxValueLength())]);
        final int batch = context.maxBatchSize();
        batchHashes = new long[batch];
        batchSlots = new int[batch];
        batchKeyOffsets = new int[batch];
        batchKeyLengths = new int[batch];
        batchValueOffsets = new int[batch];
        batchValueLengths = new int[batch];
    }

    CacheStore store()
    {
        return store;
    }

    public CacheContext context()
    {
        return context;
    }

    /**
     * @return a new reader for one application thread; see {@link CacheReader} for its guarantees.
     */
    public CacheReader newReader()
    {
        return new CacheReader(store);
    }

    public void onLogTime(final long index, final long timestamp)
    {
        store.advanceTime(timestamp);
        store.sweep();
    }

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
        store.advanceTime(timestamp);
        if (bounds.check(command, offset, length) < 0)
        {
            return respond(response, responseOffset, Status.MALFORMED, 0, 0, Detail.MALFORMED);
        }
        headerDecoder.wrap(command, offset);
        final int templateId = headerDecoder.templateId();
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (templateId)
        {
            case CacheGetDecoder.TEMPLATE_ID:
                getDecoder.wrap(command, body, blockLength, version);
                return onGet(response, responseOffset);
            case CachePutDecoder.TEMPLATE_ID:
                putDecoder.wrap(command, body, blockLength, version);
                return onPut(index, response, responseOffset);
            case CacheRemoveDecoder.TEMPLATE_ID:
                removeDecoder.wrap(command, body, blockLength, version);
                return onRemove(response, responseOffset);
            case CacheIncrementDecoder.TEMPLATE_ID:
                incrementDecoder.wrap(command, body, blockLength, version);
                return onIncrement(index, response, responseOffset);
            case CacheGetAllDecoder.TEMPLATE_ID:
                return onGetAll(command, body, blockLength, version, response, responseOffset);
            case CachePutAllDecoder.TEMPLATE_ID:
                return onPutAll(index, command, body, blockLength, version, response, responseOffset);
            case CacheClearDecoder.TEMPLATE_ID:
                clearDecoder.wrap(command, body, blockLength, version);
                return onClear(response, responseOffset);
            case CacheStatsDecoder.TEMPLATE_ID:
                statsDecoder.wrap(command, body, blockLength, version);
                return onStats(response, responseOffset);
            case CacheAccessHintsDecoder.TEMPLATE_ID:
                hintsDecoder.wrap(command, body, blockLength, version);
                return onAccessHints(response, responseOffset);
            default:
                return respond(response, responseOffset, Status.MALFORMED, 0, 0, Detail.NOT_A_CACHE_COMMAND);
        }
    }

    private int onGet(final MutableDirectBuffer response, final int responseOffset)
    {
        getDecoder.wrapKey(keyView);
        final DirectBuffer keyError = checkKey(keyView.capacity());
        if (null != keyError)
        {
            return respond(response, responseOffset, keyStatus(keyView.capacity()), 0, 0, keyError);
        }
        final int slot = store.lookup(KeyHash.hash(keyView, 0, keyView.capacity()), keyView, 0, keyView.capacity());
        if (NONE == slot)
        {
            store.miss();
            return respond(response, responseOffset, Status.NOT_FOUND, 0, 0, Detail.NONE);
        }
        if (!fits(response, responseOffset, store.valueLength(slot)))
        {
            return respond(response, responseOffset, Status.TOO_LARGE, 0, 0, Detail.RESPONSE_TOO_LARGE);
        }
        store.hit(slot);
        return respondWithValue(response, responseOffset, Status.OK, slot);
    }

    private int onPut(final long index, final MutableDirectBuffer response, final int responseOffset)
    {
        final CachePutMode mode = putDecoder.mode();
        final long ttlNanos = putDecoder.ttlNanos();
        final long expectedVersion = putDecoder.expectedVersion();
        final long fenceToken = putDecoder.fenceToken();
        putDecoder.wrapFenceLock(lockView);
        putDecoder.wrapKey(keyView);
        putDecoder.wrapValue(valueView);

        final int keyLength = keyView.capacity();
        final int valueLength = valueView.capacity();
        final DirectBuffer error = CachePutMode.NULL_VAL == mode ?
            refuse(Status.MALFORMED, Detail.MALFORMED) : checkWrite(keyLength, valueLength, ttlNanos, fenceToken);
        if (null != error)
        {
            return respond(response, responseOffset, refusal, 0, 0, error);
        }

        final long hash = KeyHash.hash(keyView, 0, keyLength);
        store.prepareWrite();
        final int slot = store.lookup(hash, keyView, 0, keyLength);
        switch (mode)
        {
            case PUT_IF_ABSENT:
                if (NONE != slot)
                {
                    return fits(response, responseOffset, store.valueLength(slot)) ?
                        respondWithValue(response, responseOffset, Status.ALREADY_EXISTS, slot) :
                        respond(response, responseOffset, Status.ALREADY_EXISTS, store.entryVersion(slot), 0,
                            Detail.RESPONSE_TOO_LARGE);
                }
                break;
            case REPLACE:
                if (NONE == slot)
                {
                    return respond(response, responseOffset, Status.NOT_FOUND, 0, 0, Detail.NONE);
                }
                break;
            case COMPARE_AND_SET:
                if (NONE == slot)
                {
                    return respond(response, responseOffset, Status.NOT_FOUND, 0, 0, Detail.NONE);
                }
                if (store.entryVersion(slot) != expectedVersion)
                {
                    return respond(response, responseOffset, Status.VERSION_MISMATCH, store.entryVersion(slot), 0,
                        Detail.NONE);
                }
                break;
            default:
                break;
        }
        final long expireAt = store.expireAt(ttlNanos);
        if (NONE == slot)
        {
            store.insert(hash, keyView, 0, keyLength, valueView, 0, valueLength, expireAt, index);
        }
        else
        {
            store.replace(slot, valueView, 0, valueLength, expireAt, index);
        }
        return respond(response, responseOffset, Status.OK, index, 0, Detail.NONE);
    }

    private int onRemove(final MutableDirectBuffer response, final int responseOffset)
    {
        final long expectedVersion = removeDecoder.expectedVersion();
        final long fenceToken = removeDecoder.fenceToken();
        removeDecoder.wrapFenceLock(lockView);
        removeDecoder.wrapKey(keyView);
        final int keyLength = keyView.capacity();
        final DirectBuffer error = checkWrite(keyLength, 0, 0, fenceToken);
        if (null != error)
        {
            return respond(response, responseOffset, refusal, 0, 0, error);
        }
        final int slot = store.lookup(KeyHash.hash(keyView, 0, keyLength), keyView, 0, keyLength);
        if (NONE == slot)
        {
            return respond(response, responseOffset, Status.NOT_FOUND, 0, 0, Detail.NONE);
        }
        final long entryVersion = store.entryVersion(slot);
        if (0 != expectedVersion && entryVersion != expectedVersion)
        {
            return respond(response, responseOffset, Status.VERSION_MISMATCH, entryVersion, 0, Detail.NONE);
        }
        store.remove(slot);
        return respond(response, responseOffset, Status.OK, entryVersion, 0, Detail.NONE);
    }

    private int onIncrement(final long index, final MutableDirectBuffer response, final int responseOffset)
    {
        final long delta = incrementDecoder.delta();
        final long ttlNanos = incrementDecoder.ttlNanos();
        final long fenceToken = incrementDecoder.fenceToken();
        incrementDecoder.wrapFenceLock(lockView);
        incrementDecoder.wrapKey(keyView);
        final int keyLength = keyView.capacity();
        final DirectBuffer error = checkWrite(keyLength, Long.BYTES, ttlNanos, fenceToken);
        if (null != error)
        {
            return respond(response, responseOffset, refusal, 0, 0, error);
        }

        final long hash = KeyHash.hash(keyView, 0, keyLength);
        store.prepareWrite();
        final int slot = store.lookup(hash, keyView, 0, keyLength);
        if (NONE == slot)
        {
            valueScratch.putLong(0, delta, ByteOrder.LITTLE_ENDIAN);
            store.insert(hash, keyView, 0, keyLength, valueScratch, 0, Long.BYTES, store.expireAt(ttlNanos), index);
            return respond(response, responseOffset, Status.OK, index, delta, Detail.NONE);
        }
        if (Long.BYTES != store.valueLength(slot))
        {
            return respond(response, responseOffset, Status.MALFORMED, store.entryVersion(slot), 0,
                Detail.NOT_A_COUNTER);
        }
        final long current = store.readCounter(slot, valueScratch);
        final long next = current + delta;
        if (((current ^ next) & (delta ^ next)) < 0)
        {
            return respond(response, responseOffset, Status.LIMIT_EXCEEDED, store.entryVersion(slot), current,
                Detail.COUNTER_OVERFLOW);
        }
        store.writeCounter(slot, next, index);
        return respond(response, responseOffset, Status.OK, index, next, Detail.NONE);
    }

    private int onGetAll(
        final DirectBuffer command,
        final int body,
        final int blockLength,
        final int version,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        getAllDecoder.wrap(command, body, blockLength, version);
        CacheGetAllDecoder.KeysDecoder keys = getAllDecoder.keys();
        final int count = keys.count();
        if (count > context.maxBatchSize())
        {
            return respondGetAll(response, responseOffset, Status.TOO_LARGE, Detail.BATCH_TOO_LARGE);
        }
        long responseLength = MessageHeaderEncoder.ENCODED_LENGTH + CacheGetAllResponseEncoder.BLOCK_LENGTH +
            CacheGetAllResponseEncoder.ResultsEncoder.sbeHeaderSize() +
            CacheGetAllResponseEncoder.detailHeaderLength();
        while (keys.hasNext())
        {
            keys.next().wrapKey(keyView);
            final int keyLength = keyView.capacity();
            final DirectBuffer keyError = checkKey(keyLength);
            if (null != keyError)
            {
                return respondGetAll(response, responseOffset, keyStatus(keyLength), keyError);
            }
            final int slot = store.find(KeyHash.hash(keyView, 0, keyLength), keyView, 0, keyLength);
            responseLength += CacheGetAllResponseEncoder.ResultsEncoder.sbeBlockLength() +
                CacheGetAllResponseEncoder.ResultsEncoder.valueHeaderLength() +
                (NONE == slot || store.isExpired(slot) ? 0 : store.valueLength(slot));
        }
        if (responseLength > response.capacity() - responseOffset)
        {
            return respondGetAll(response, responseOffset, Status.TOO_LARGE, Detail.RESPONSE_TOO_LARGE);
        }

        getAllDecoder.wrap(command, body, blockLength, version);
        keys = getAllDecoder.keys();
        getAllResponseEncoder.wrapAndApplyHeader(response, responseOffset, headerEncoder).status(Status.OK);
        final CacheGetAllResponseEncoder.ResultsEncoder results = getAllResponseEncoder.resultsCount(count);
        while (keys.hasNext())
        {
            keys.next().wrapKey(keyView);
            final int keyLength = keyView.capacity();
            final int slot = store.lookup(KeyHash.hash(keyView, 0, keyLength), keyView, 0, keyLength);
            results.next();
            if (NONE == slot)
            {
                store.miss();
                results.status(Status.NOT_FOUND).version(0).putValue(valueScratch, 0, 0);
            }
            else
            {
                store.hit(slot);
                final int valueLength = store.valueLength(slot);
                store.copyValue(slot, valueScratch, 0);
                results.status(Status.OK).version(store.entryVersion(slot)).putValue(valueScratch, 0, valueLength);
            }
        }
        getAllResponseEncoder.putDetail(Detail.NONE, 0, 0);
        return MessageHeaderEncoder.ENCODED_LENGTH + getAllResponseEncoder.encodedLength();
    }

    private int onPutAll(
        final long index,
        final DirectBuffer command,
        final int body,
        final int blockLength,
        final int version,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        putAllDecoder.wrap(command, body, blockLength, version);
        final long ttlNanos = putAllDecoder.ttlNanos();
        final long fenceToken = putAllDecoder.fenceToken();
        final CachePutAllDecoder.EntriesDecoder entries = putAllDecoder.entries();
        final int count = entries.count();
        if (count > context.maxBatchSize())
        {
            return respond(response, responseOffset, Status.TOO_LARGE, 0, 0, Detail.BATCH_TOO_LARGE);
        }
        DirectBuffer error = null;
        Status status = Status.OK;
        long blocksNeeded = 0;
        int slotsNeeded = 0;
        long blocksPinned = 0;
        for (int i = 0; i < count; i++)
        {
            entries.next();
            batchKeyOffsets[i] = putAllDecoder.limit() + CachePutAllDecoder.EntriesDecoder.keyHeaderLength();
            entries.wrapKey(keyView);
            batchKeyLengths[i] = keyView.capacity();
            batchValueOffsets[i] = putAllDecoder.limit() + CachePutAllDecoder.EntriesDecoder.valueHeaderLength();
            entries.wrapValue(valueView);
            batchValueLengths[i] = valueView.capacity();
            if (null != error)
            {
                continue;
            }
            final int keyLength = batchKeyLengths[i];
            error = checkKey(keyLength);
            status = keyStatus(keyLength);
            if (null == error && batchValueLengths[i] > context.maxValueLength())
            {
                error = Detail.VALUE_TOO_LARGE;
                status = Status.TOO_LARGE;
            }
            if (null == error)
            {
                final long hash = KeyHash.hash(command, batchKeyOffsets[i], keyLength);
                batchHashes[i] = hash;
                for (int j = 0; j < i && null == error; j++)
                {
                    if (batchHashes[j] == hash && sameBytes(command, batchKeyOffsets[j], batchKeyLengths[j],
                        batchKeyOffsets[i], keyLength))
                    {
                        error = Detail.DUPLICATE_KEY;
                        status = Status.MALFORMED;
                    }
                }
                final int slot = store.find(hash, command, batchKeyOffsets[i], keyLength);
                final int newBlocks = context.blocksFor(keyLength + batchValueLengths[i]);
                if (NONE == slot || store.isExpired(slot))
                {
                    blocksNeeded += newBlocks - 1;
                    slotsNeeded++;
                }
                else
                {
                    blocksNeeded += Math.max(0, newBlocks - store.blocksOf(slot));
                    blocksPinned += store.blocksOf(slot) - 1;
                }
            }
        }
        putAllDecoder.wrapFenceLock(lockView);
        if (null == error && ttlNanos < 0)
        {
            error = Detail.NEGATIVE_TTL;
            status = Status.MALFORMED;
        }
        if (null == error && (blocksNeeded + blocksPinned > context.overflowBlocks() ||
            count > context.maxEntries()))
        {
            error = Detail.BATCH_EXCEEDS_BUDGET;
            status = Status.TOO_LARGE;
        }
        if (null == error)
        {
            error = checkFence(fenceToken);
            status = Detail.FENCED == error ? Status.FENCED : Status.MALFORMED;
        }
        if (null != error)
        {
            return respond(response, responseOffset, status, 0, 0, error);
        }

        for (int i = 0; i < count; i++)
        {
            final int slot = store.lookup(batchHashes[i], command, batchKeyOffsets[i], batchKeyLengths[i]);
            batchSlots[i] = slot;
            if (NONE != slot)
            {
                store.detach(slot);
            }
        }
        store.makeRoom((int)blocksNeeded, slotsNeeded);
        final long expireAt = store.expireAt(ttlNanos);
        for (int i = 0; i < count; i++)
        {
            if (NONE == batchSlots[i])
            {
                store.insert(batchHashes[i], command, batchKeyOffsets[i], batchKeyLengths[i],
                    command, batchValueOffsets[i], batchValueLengths[i], expireAt, index);
            }
            else
            {
                store.rewriteAndReattach(batchSlots[i], command, batchValueOffsets[i], batchValueLengths[i],
                    expireAt, index);
            }
        }
        return respond(response, responseOffset, Status.OK, index, count, Detail.NONE);
    }

    private int onClear(final MutableDirectBuffer response, final int responseOffset)
    {
        final long fenceToken = clearDecoder.fenceToken();
        clearDecoder.wrapFenceLock(lockView);
        final DirectBuffer error = checkFence(fenceToken);
        if (null != error)
        {
            return respond(response, responseOffset, Detail.FENCED == error ? Status.FENCED : Status.MALFORMED,
                0, 0, error);
        }
        store.clear();
        return respond(response, responseOffset, Status.OK, 0, 0, Detail.NONE);
    }

    private int onStats(final MutableDirectBuffer response, final int responseOffset)
    {
        return respondStats(response, responseOffset, Status.OK);
    }

    private int onAccessHints(final MutableDirectBuffer response, final int responseOffset)
    {
        final CacheAccessHintsDecoder.HintsDecoder hints = hintsDecoder.hints();
        if (hints.count() > context.maxBatchSize())
        {
            return respond(response, responseOffset, Status.TOO_LARGE, 0, 0, Detail.BATCH_TOO_LARGE);
        }
        while (hints.hasNext())
        {
            final int slot = store.findByHash(hints.next().keyHash());
            if (NONE != slot)
            {
                store.hit(slot);
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- checks

    /**
     * The checks every single-key write shares: key, value length, TTL, then the fence.
     *
     * @return null if the write may go ahead, else the detail, with the status in {@link #refusal}.
     */
    private DirectBuffer checkWrite(
        final int keyLength, final int valueLength, final long ttlNanos, final long fenceToken)
    {
        final DirectBuffer keyError = checkKey(keyLength);
        if (null != keyError)
        {
            return refuse(keyStatus(keyLength), keyError);
        }
        if (valueLength > context.maxValueLength())
        {
            return refuse(Status.TOO_LARGE, Detail.VALUE_TOO_LARGE);
        }
        if (ttlNanos < 0)
        {
            return refuse(Status.MALFORMED, Detail.NEGATIVE_TTL);
        }
        final DirectBuffer fenceError = checkFence(fenceToken);
        return null == fenceError ? null :
            refuse(Detail.FENCED == fenceError ? Status.FENCED : Status.MALFORMED, fenceError);
    }

    private DirectBuffer refuse(final Status status, final DirectBuffer detail)
    {
        refusal = status;
        return detail;
    }

    private DirectBuffer checkKey(final int keyLength)
    {
        if (0 == keyLength)
        {
            return Detail.EMPTY_KEY;
        }
        return keyLength > context.maxKeyLength() ? Detail.KEY_TOO_LARGE : null;
    }

    private Status keyStatus(final int keyLength)
    {
        return 0 == keyLength ? Status.MALFORMED : Status.TOO_LARGE;
    }

    /**
     * @return null if the write may go ahead, else why not ({@link Detail#FENCED} for a refused token).
     */
    private DirectBuffer checkFence(final long fenceToken)
    {
        final int lockLength = lockView.capacity();
        if (0 == fenceToken)
        {
            return 0 == lockLength ? null : Detail.FENCE_WITHOUT_TOKEN;
        }
        if (0 == lockLength)
        {
            return Detail.FENCE_WITHOUT_LOCK;
        }
        return fences.isCurrentToken(lockView, 0, lockLength, fenceToken) ? null : Detail.FENCED;
    }

    private static boolean sameBytes(
        final DirectBuffer buffer, final int offsetA, final int lengthA, final int offsetB, final int lengthB)
    {
        if (lengthA != lengthB)
        {
            return false;
        }
        for (int i = 0; i < lengthA; i++)
        {
            if (buffer.getByte(offsetA + i) != buffer.getByte(offsetB + i))
            {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- responses

    private boolean fits(final MutableDirectBuffer response, final int responseOffset, final int valueLength)
    {
        return RESPONSE_FIXED_LENGTH + (long)valueLength <= response.capacity() - responseOffset;
    }

    private int respond(
        final MutableDirectBuffer response,
        final int responseOffset,
        final Status status,
        final long version,
        final long counter,
        final DirectBuffer detail)
    {
        return encodeResponse(
            responseEncoder, headerEncoder, response, responseOffset, status, version, counter, detail);
    }

    /**
     * Encodes a {@code CacheResponse} without a value.
     *
     * @return its length.
     */
    static int encodeResponse(
        final CacheResponseEncoder encoder,
        final MessageHeaderEncoder headerEncoder,
        final MutableDirectBuffer response,
        final int responseOffset,
        final Status status,
        final long version,
        final long counter,
        final DirectBuffer detail)
    {
        encoder.wrapAndApplyHeader(response, responseOffset, headerEncoder)
            .status(status)
            .version(version)
            .counter(counter)
            .putValue(detail, 0, 0)
            .putDetail(detail, 0, detail.capacity());
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    private int respondWithValue(
        final MutableDirectBuffer response, final int responseOffset, final Status status, final int slot)
    {
        final int valueLength = store.valueLength(slot);
        store.copyValue(slot, valueScratch, 0);
        responseEncoder.wrapAndApplyHeader(response, responseOffset, headerEncoder)
            .status(status)
            .version(store.entryVersion(slot))
            .counter(0)
            .putValue(valueScratch, 0, valueLength)
            .putDetail(Detail.NONE, 0, 0);
        return MessageHeaderEncoder.ENCODED_LENGTH + responseEncoder.encodedLength();
    }

    private int respondGetAll(
        final MutableDirectBuffer response, final int responseOffset, final Status status, final DirectBuffer detail)
    {
        getAllResponseEncoder.wrapAndApplyHeader(response, responseOffset, headerEncoder).status(status);
        getAllResponseEncoder.resultsCount(0);
        getAllResponseEncoder.putDetail(detail, 0, detail.capacity());
        return MessageHeaderEncoder.ENCODED_LENGTH + getAllResponseEncoder.encodedLength();
    }

    private int respondStats(final MutableDirectBuffer response, final int responseOffset, final Status status)
    {
        statsResponseEncoder.wrapAndApplyHeader(response, responseOffset, headerEncoder)
            .status(status)
            .hits(store.hits())
            .misses(store.misses())
            .evictions(store.evictions())
            .expirations(store.expirations())
            .entries(store.entries())
            .bytesUsed(store.bytesUsed())
            .maxEntries(context.maxEntries())
            .memoryBudgetBytes((long)context.blockCount() * context.blockSize());
        return MessageHeaderEncoder.ENCODED_LENGTH + statsResponseEncoder.encodedLength();
    }

    // ---------------------------------------------------------------- state

    /**
     * Answers a {@code CacheGet} (the value, or NOT_FOUND for a missing or expired key) or a {@code CacheStats} from
     * the state applied so far, without a log entry and without changing anything: the hit is not counted here. On
     * the leader, the node reports {@link #lastQueryKeyHash()} of a hit in an access hint, so that the read counts
     * on every replica at the same index.
     */
    public int query(
        final DirectBuffer query,
        final int offset,
        final int length,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        lastQueryKeyHash = 0;
        if (bounds.check(query, offset, length) < 0)
        {
            return respond(response, responseOffset, Status.MALFORMED, 0, 0, Detail.MALFORMED);
        }
        headerDecoder.wrap(query, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (headerDecoder.templateId())
        {
            case CacheGetDecoder.TEMPLATE_ID:
            {
                getDecoder.wrap(query, body, headerDecoder.blockLength(), headerDecoder.version());
                getDecoder.wrapKey(keyView);
                final DirectBuffer keyError = checkKey(keyView.capacity());
                if (null != keyError)
                {
                    return respond(response, responseOffset, keyStatus(keyView.capacity()), 0, 0, keyError);
                }
                final long hash = KeyHash.hash(keyView, 0, keyView.capacity());
                final int slot = store.find(hash, keyView, 0, keyView.capacity());
                if (NONE == slot || store.isExpired(slot))
                {
                    queryMisses++;
                    return respond(response, responseOffset, Status.NOT_FOUND, 0, 0, Detail.NONE);
                }
                if (!fits(response, responseOffset, store.valueLength(slot)))
                {
                    return respond(response, responseOffset, Status.TOO_LARGE, 0, 0, Detail.RESPONSE_TOO_LARGE);
                }
                queryHits++;
                lastQueryKeyHash = hash;
                return respondWithValue(response, responseOffset, Status.OK, slot);
            }
            case CacheStatsDecoder.TEMPLATE_ID:
                return respondStats(response, responseOffset, Status.OK);
            default:
                return respond(response, responseOffset, Status.MALFORMED, 0, 0, Detail.NOT_A_CACHE_COMMAND);
        }
    }

    /**
     * @return the key hash of the last {@link #query} that found its key, 0 if it did not.
     */
    public long lastQueryKeyHash()
    {
        return lastQueryKeyHash;
    }

    public void snapshot(final SnapshotWriter writer)
    {
        store.snapshot(writer);
    }

    public void restore(final SnapshotReader reader)
    {
        store.restore(reader);
    }

    public long checksum()
    {
        return store.checksum(checksum);
    }

    /** @return live entries. */
    public int entries()
    {
        return store.entries();
    }

    /** @return bytes of blocks in use: never above the memory budget. */
    public long bytesUsed()
    {
        return store.bytesUsed();
    }

    /**
     * @return gets through the log that found their key, plus access hints that did (the leader's read hits):
     * replicated state, equal on every replica at the same index.
     */
    public long hits()
    {
        return store.hits();
    }

    /**
     * @return gets through the log that did not find their key: replicated state.
     */
    public long misses()
    {
        return store.misses();
    }

    public long evictions()
    {
        return store.evictions();
    }

    public long expirations()
    {
        return store.expirations();
    }

    /**
     * @return gets {@link #query} answered with the value on this node. Unlike {@link #hits()} this is not
     * replicated state: each node counts the reads it served (the leader's also reach {@link #hits()} through access
     * hints); reads through a {@link CacheReader} are not counted.
     */
    public long queryHits()
    {
        return queryHits;
    }

    /**
     * @return gets {@link #query} answered NOT_FOUND on this node (missing or expired key); not replicated state, as
     * {@link #queryHits()}. Such a miss never reaches {@link #misses()}, which counts gets through the log.
     */
    public long queryMisses()
    {
        return queryMisses;
    }

    /**
     * @return how many of the cache's off-heap regions the kernel accepted the huge page advice for
     * ({@link CacheContext#hugePages()}): 0 where the kernel does not offer huge pages, or the cache's regions are all
     * smaller than one. Whether the kernel could give every page of them a huge one is in the process's
     * {@code /proc/PID/smaps} ({@code AnonHugePages}).
     */
    public int hugePageRegions()
    {
        return store.hugePageRegions();
    }

    /**
     * Frees the off-heap memory; only after the writer and every reader stopped.
     */
    public void close()
    {
        store.close();
    }

    /**
     * Error details, for people; encoded once so that answering an error allocates nothing.
     */
    static final class Detail
    {
        static final UnsafeBuffer NONE = ascii("");
        static final UnsafeBuffer MALFORMED = ascii("malformed cache command");
        static final UnsafeBuffer NOT_A_CACHE_COMMAND = ascii("not a cache command");
        static final UnsafeBuffer EMPTY_KEY = ascii("empty key");
        static final UnsafeBuffer KEY_TOO_LARGE = ascii("key longer than the cache's maxKeyLength");
        static final UnsafeBuffer VALUE_TOO_LARGE = ascii("value longer than the cache's maxValueLength");
        static final UnsafeBuffer NEGATIVE_TTL = ascii("ttlNanos must be 0 (default) or positive");
        static final UnsafeBuffer FENCED = ascii("fencing token is not the lock holder's");
        static final UnsafeBuffer FENCE_WITHOUT_TOKEN = ascii("fenceLock given without fenceToken");
        static final UnsafeBuffer FENCE_WITHOUT_LOCK = ascii("fenceToken given without fenceLock");
        static final UnsafeBuffer NOT_A_COUNTER = ascii("value is not a 64-bit counter");
        static final UnsafeBuffer COUNTER_OVERFLOW = ascii("increment overflows 64 bits");
        static final UnsafeBuffer RESPONSE_TOO_LARGE = ascii("response does not fit the response buffer");
        static final UnsafeBuffer BATCH_TOO_LARGE = ascii("more keys than the cache's maxBatchSize");
        static final UnsafeBuffer DUPLICATE_KEY = ascii("putAll names a key twice");
        static final UnsafeBuffer BATCH_EXCEEDS_BUDGET = ascii("putAll needs more than the cache's budgets");
        static final UnsafeBuffer UNKNOWN_CACHE = ascii("no cache has this serviceId");

        private Detail()
        {
        }

        private static UnsafeBuffer ascii(final String text)
        {
            return new UnsafeBuffer(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }
}
