package dev.grid.cache;

import dev.grid.sbe.CacheGetAllResponseDecoder;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CacheResponseDecoder;
import dev.grid.sbe.CacheStatsResponseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.Status;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives a {@link CacheStateMachine} the way the log does (onLogTime, then apply, with rising indexes) from byte
 * arrays, and decodes its responses into {@link ReferenceCache.Result}s, for tests.
 */
final class CacheHarness
{
    static final UnsafeBuffer LOCK =
        new UnsafeBuffer("orders-lock".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    final CacheStateMachine cache;
    final CacheCommands commands = new CacheCommands();
    final UnsafeBuffer command = new UnsafeBuffer(new byte[1 << 20]);
    final UnsafeBuffer response = new UnsafeBuffer(new byte[1 << 20]);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CacheResponseDecoder responseDecoder = new CacheResponseDecoder();
    private final CacheGetAllResponseDecoder getAllDecoder = new CacheGetAllResponseDecoder();
    private final CacheStatsResponseDecoder statsDecoder = new CacheStatsResponseDecoder();
    long index;
    long timestamp;
    int lastResponseLength;
    /** The checksum between onLogTime and apply of the last entry: what a refused command must leave. */
    long checksumBeforeApply;

    CacheHarness(final CacheStateMachine cache)
    {
        this.cache = cache;
    }

    static UnsafeBuffer wrap(final byte[] bytes)
    {
        return new UnsafeBuffer(bytes);
    }

    CacheHarness fence(final long token)
    {
        if (0 == token)
        {
            commands.noFence();
        }
        else
        {
            commands.fence(LOCK, 0, LOCK.capacity(), token);
        }
        return this;
    }

    /** Applies the command encoded at offset 0 of {@link #command} as the next log entry. */
    int applyRaw(final int length)
    {
        index++;
        cache.onLogTime(index, timestamp);
        checksumBeforeApply = cache.checksum();
        lastResponseLength = cache.apply(index, timestamp, 1, index, command, 0, length, response, 0);
        return lastResponseLength;
    }

    ReferenceCache.Result applyForResult(final int length)
    {
        applyRaw(length);
        return decode();
    }

    ReferenceCache.Result decode()
    {
        headerDecoder.wrap(response, 0);
        assertThat(headerDecoder.templateId()).isEqualTo(CacheResponseDecoder.TEMPLATE_ID);
        responseDecoder.wrapAndApplyHeader(response, 0, headerDecoder);
        final Status status = responseDecoder.status();
        final long version = responseDecoder.version();
        final long counter = responseDecoder.counter();
        final byte[] value = new byte[responseDecoder.valueLength()];
        responseDecoder.getValue(value, 0, value.length);
        responseDecoder.skipDetail();
        return new ReferenceCache.Result(status, version, counter, value);
    }

    String detail()
    {
        responseDecoder.wrapAndApplyHeader(response, 0, headerDecoder);
        responseDecoder.skipValue();
        return responseDecoder.detail();
    }

    ReferenceCache.Result get(final byte[] key)
    {
        return applyForResult(commands.wrap(command, 0).get(wrap(key), 0, key.length));
    }

    ReferenceCache.Result put(final CachePutMode mode, final byte[] key, final byte[] value, final long ttl,
        final long expectedVersion)
    {
        return applyForResult(commands.wrap(command, 0)
            .put(mode, wrap(key), 0, key.length, wrap(value), 0, value.length, ttl, expectedVersion));
    }

    ReferenceCache.Result put(final byte[] key, final byte[] value)
    {
        return put(CachePutMode.PUT, key, value, 0, 0);
    }

    ReferenceCache.Result remove(final byte[] key, final long expectedVersion)
    {
        return applyForResult(commands.wrap(command, 0).remove(wrap(key), 0, key.length, expectedVersion));
    }

    ReferenceCache.Result increment(final byte[] key, final long delta, final long ttl)
    {
        return applyForResult(commands.wrap(command, 0).increment(wrap(key), 0, key.length, delta, ttl));
    }

    ReferenceCache.Result clear()
    {
        return applyForResult(commands.wrap(command, 0).clear());
    }

    ReferenceCache.Result putAll(final List<byte[]> keys, final List<byte[]> values, final long ttl)
    {
        commands.wrap(command, 0).putAllBegin(keys.size(), ttl);
        for (int i = 0; i < keys.size(); i++)
        {
            commands.putAllEntry(wrap(keys.get(i)), 0, keys.get(i).length, wrap(values.get(i)), 0,
                values.get(i).length);
        }
        return applyForResult(commands.putAllEnd());
    }

    List<ReferenceCache.Result> getAll(final List<byte[]> keys)
    {
        commands.wrap(command, 0).getAllBegin(keys.size());
        for (final byte[] key : keys)
        {
            commands.getAllKey(wrap(key), 0, key.length);
        }
        applyRaw(commands.getAllEnd());
        headerDecoder.wrap(response, 0);
        assertThat(headerDecoder.templateId()).isEqualTo(CacheGetAllResponseDecoder.TEMPLATE_ID);
        getAllDecoder.wrapAndApplyHeader(response, 0, headerDecoder);
        final List<ReferenceCache.Result> results = new ArrayList<>();
        final Status status = getAllDecoder.status();
        final CacheGetAllResponseDecoder.ResultsDecoder decoder = getAllDecoder.results();
        if (Status.OK != status)
        {
            assertThat(decoder.count()).isZero();
            results.add(new ReferenceCache.Result(status, 0, 0, new byte[0]));
        }
        for (final CacheGetAllResponseDecoder.ResultsDecoder result : decoder)
        {
            final Status s = result.status();
            final long version = result.version();
            final byte[] value = new byte[result.valueLength()];
            result.getValue(value, 0, value.length);
            results.add(new ReferenceCache.Result(s, version, 0, value));
        }
        getAllDecoder.skipDetail();
        return results;
    }

    void hints(final long[] hashes)
    {
        final AccessHintBatch batch = new AccessHintBatch(Math.max(1, hashes.length));
        for (final long hash : hashes)
        {
            batch.add(hash);
        }
        assertThat(applyRaw(batch.encode(command, 0))).isZero();
    }

    long[] stats()
    {
        applyRaw(commands.wrap(command, 0).stats());
        statsDecoder.wrapAndApplyHeader(response, 0, headerDecoder.wrap(response, 0));
        assertThat(statsDecoder.status()).isEqualTo(Status.OK);
        return new long[] {
            statsDecoder.hits(), statsDecoder.misses(), statsDecoder.evictions(), statsDecoder.expirations(),
            statsDecoder.entries(), statsDecoder.bytesUsed(), statsDecoder.maxEntries(),
            statsDecoder.memoryBudgetBytes() };
    }

    /**
     * @return the cache's keys in its replicated order: the admission window, oldest first, then the main order
     * (LRU: least recent first; LRU with admission: probation then protected, least recent first, each key with its
     * segment; LFU: the member array, each key with its member entry: period of the last access, count, slot).
     */
    List<String> evictionOrder()
    {
        final CacheStore store = cache.store();
        final List<String> keys = new ArrayList<>();
        for (int slot = store.firstInOrder(); CacheStore.NONE != slot; slot = store.nextInOrder(slot))
        {
            final int offset = slot * store.stride;
            final byte[] key = new byte[store.slots.getInt(offset + CacheStore.KEY_LENGTH_OFFSET)];
            final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(key.length + 1);
            store.readStream(slot, 0, buffer, 0, key.length);
            buffer.getBytes(0, key);
            final boolean inMain = CacheStore.LIVE_IN_WINDOW != store.slots.getInt(offset + CacheStore.STATE_OFFSET);
            String suffix = "";
            if (inMain && store.order() instanceof LfuOrder lfu)
            {
                final long entry = lfu.memberEntry(slot);
                suffix = "@" + LfuOrder.periodOf(entry) + ":" + LfuOrder.countOf(entry) + ":" + LfuOrder.slotOf(entry);
            }
            else if (inMain && store.order() instanceof SegmentedLruOrder segmented)
            {
                suffix = SegmentedLruOrder.PROTECTED == segmented.segment(slot) ? "~protected" : "~probation";
            }
            keys.add(java.util.Arrays.toString(key) + suffix);
        }
        return keys;
    }
}
