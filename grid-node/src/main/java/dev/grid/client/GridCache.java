package dev.grid.client;

import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CacheResponseDecoder;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * A named cache of the grid, seen from a client. Writes go through the log (linearizable, exactly-once across
 * leader changes); reads state their consistency: {@link ReadConsistency#LINEARIZABLE} (the leader, after a
 * ReadIndex round) or {@link ReadConsistency#LOCAL} (the node the client talks to, at once, possibly stale).
 * <p>
 * The {@code DirectBuffer} forms copy nothing but into the request; the {@code byte[]} and {@code String} forms are
 * conveniences. Every method throws a {@link GridClientException} for what the grid refused (see its subclasses).
 */
public final class GridCache
{
    /** What {@link #get} returns for a key the cache does not hold. */
    public static final int MISSING = -1;

    private final GridClient client;
    private final String name;
    private final int serviceId;

    GridCache(final GridClient client, final String name, final int serviceId)
    {
        this.client = client;
        this.name = name;
        this.serviceId = serviceId;
    }

    public String name()
    {
        return name;
    }

    /**
     * Puts a value, replacing any.
     *
     * @return the entry's new version (the log index of this write).
     */
    public long put(final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        return write(CachePutMode.PUT, key, keyOffset, keyLength, value, valueOffset, valueLength, 0, 0, null, 0);
    }

    /**
     * Puts a value that expires {@code ttlNanos} after this write (in the log's time).
     *
     * @return the entry's new version.
     */
    public long put(final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final long ttlNanos)
    {
        return write(CachePutMode.PUT, key, keyOffset, keyLength, value, valueOffset, valueLength, ttlNanos, 0, null,
            0);
    }

    /**
     * A write fenced by a lock: refused (a {@link GridClientException} with status FENCED) unless {@code token} is
     * the current holder's token of {@code lockName}.
     *
     * @return the entry's new version.
     */
    public long putFenced(final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final String lockName,
        final long token)
    {
        return write(CachePutMode.PUT, key, keyOffset, keyLength, value, valueOffset, valueLength, 0, 0, lockName,
            token);
    }

    /**
     * @return true if the key was absent and the value was put; false if a value was there (unchanged).
     */
    public boolean putIfAbsent(final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        return write(CachePutMode.PUT_IF_ABSENT, key, keyOffset, keyLength, value, valueOffset, valueLength, 0, 0,
            null, 0) > 0;
    }

    /**
     * @return true if the entry was at {@code expectedVersion} and now holds the value; false otherwise.
     */
    public boolean compareAndSet(final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final long expectedVersion)
    {
        return write(CachePutMode.COMPARE_AND_SET, key, keyOffset, keyLength, value, valueOffset, valueLength, 0,
            expectedVersion, null, 0) > 0;
    }

    /**
     * @return true if the key was there and is now removed.
     */
    public boolean remove(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final GridRequest request = client.acquire();
        try
        {
            request.commandLength = request.cacheCommands.wrap(request.command, 0).noFence()
                .remove(key, keyOffset, keyLength, 0);
            final CacheResponseDecoder response = command(request, "remove");
            return Status.OK == response.status();
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * Adds to a 64-bit counter (created at {@code delta} if absent).
     *
     * @return the counter's new value.
     */
    public long increment(final DirectBuffer key, final int keyOffset, final int keyLength, final long delta)
    {
        final GridRequest request = client.acquire();
        try
        {
            request.commandLength = request.cacheCommands.wrap(request.command, 0).noFence()
                .increment(key, keyOffset, keyLength, delta, 0);
            final CacheResponseDecoder response = command(request, "increment");
            requireOk(response, "increment");
            return response.counter();
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * Reads a value into the caller's buffer.
     *
     * @return the value's length, or {@link #MISSING}.
     */
    public int get(final DirectBuffer key, final int keyOffset, final int keyLength,
        final MutableDirectBuffer destination, final int destinationOffset, final ReadConsistency consistency)
    {
        final GridRequest request = client.acquire();
        try
        {
            prepareRead(request, key, keyOffset, keyLength, consistency);
            final CacheResponseDecoder response = executeRead(request);
            if (null == response)
            {
                return MISSING;
            }
            final int length = response.valueLength();
            response.getValue(destination, destinationOffset, length);
            return length;
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * Puts a value without waiting: the handler gets the answer (a CacheResponse in the request's response buffer)
     * on the client's thread. Allocates nothing.
     */
    public void putAsync(final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final ResponseHandler handler)
    {
        final GridRequest request = client.acquire();
        request.commandLength = request.cacheCommands.wrap(request.command, 0).noFence()
            .put(CachePutMode.PUT, key, keyOffset, keyLength, value, valueOffset, valueLength, 0, 0);
        prepareCommand(request);
        client.submit(request, handler);
    }

    /**
     * Reads without waiting; the handler gets the CacheResponse on the client's thread. Allocates nothing.
     */
    public void getAsync(final DirectBuffer key, final int keyOffset, final int keyLength,
        final ReadConsistency consistency, final ResponseHandler handler)
    {
        final GridRequest request = client.acquire();
        prepareRead(request, key, keyOffset, keyLength, consistency);
        client.submit(request, handler);
    }

    private void prepareRead(final GridRequest request, final DirectBuffer key, final int keyOffset,
        final int keyLength, final ReadConsistency consistency)
    {
        request.commandLength = request.cacheCommands.wrap(request.command, 0).get(key, keyOffset, keyLength);
        request.kind = GridRequest.READ;
        request.serviceId = serviceId;
        request.consistency = consistency;
        request.timeoutNs = client.context().requestTimeoutNs();
    }

    /**
     * Runs a prepared read on the calling thread.
     *
     * @return the CacheResponse, or null if the cache does not hold the key.
     */
    private CacheResponseDecoder executeRead(final GridRequest request)
    {
        client.execute(request);
        requireGridOk(request, "get");
        final CacheResponseDecoder response = request.cacheResponse();
        if (Status.NOT_FOUND == response.status())
        {
            return null;
        }
        requireOk(response, "get");
        return response;
    }

    // ------------------------------------------------------------------------------------------------ conveniences

    public long put(final byte[] key, final byte[] value)
    {
        final GridRequest request = client.acquire();
        try
        {
            request.keyView.wrap(key);
            request.valueView.wrap(value);
            return writeWith(request, CachePutMode.PUT, key.length, value.length, 0, 0, null, 0);
        }
        finally
        {
            client.release(request);
        }
    }

    public long put(final String key, final String value)
    {
        return put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    public long putFenced(final String key, final String value, final String lockName, final long token)
    {
        final byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        final byte[] valueBytes = value.getBytes(StandardCharsets.UTF_8);
        final GridRequest request = client.acquire();
        try
        {
            request.keyView.wrap(keyBytes);
            request.valueView.wrap(valueBytes);
            return writeWith(request, CachePutMode.PUT, keyBytes.length, valueBytes.length, 0, 0, lockName, token);
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * @return the value, or null if the cache does not hold the key.
     */
    public byte[] get(final byte[] key, final ReadConsistency consistency)
    {
        final GridRequest request = client.acquire();
        try
        {
            request.keyView.wrap(key);
            prepareRead(request, request.keyView, 0, key.length, consistency);
            final CacheResponseDecoder response = executeRead(request);
            if (null == response)
            {
                return null;
            }
            final byte[] value = new byte[response.valueLength()];
            response.getValue(value, 0, value.length);
            return value;
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * @return the value as UTF-8 text, or null if the cache does not hold the key.
     */
    public String get(final String key, final ReadConsistency consistency)
    {
        final byte[] value = get(key.getBytes(StandardCharsets.UTF_8), consistency);
        return null == value ? null : new String(value, StandardCharsets.UTF_8);
    }

    public boolean remove(final String key)
    {
        final byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return remove(new UnsafeBuffer(bytes), 0, bytes.length);
    }

    // ------------------------------------------------------------------------------------------------ internals

    private long write(final CachePutMode mode, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final long ttlNanos,
        final long expectedVersion, final String fenceLock, final long token)
    {
        final GridRequest request = client.acquire();
        try
        {
            request.keyView.wrap(key, keyOffset, keyLength);
            request.valueView.wrap(value, valueOffset, valueLength);
            return writeWith(request, mode, keyLength, valueLength, ttlNanos, expectedVersion, fenceLock, token);
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * @return the new version; 0 for a putIfAbsent that found a value or a compareAndSet that found another
     * version.
     */
    private long writeWith(final GridRequest request, final CachePutMode mode, final int keyLength,
        final int valueLength, final long ttlNanos, final long expectedVersion, final String fenceLock,
        final long token)
    {
        request.cacheCommands.wrap(request.command, 0);
        if (null == fenceLock)
        {
            request.cacheCommands.noFence();
        }
        else
        {
            request.cacheCommands.fence(request.name, 0, request.putName(fenceLock), token);
        }
        request.commandLength = request.cacheCommands.put(mode, request.keyView, 0, keyLength, request.valueView, 0,
            valueLength, ttlNanos, expectedVersion);
        final CacheResponseDecoder response = command(request, verb(mode));
        final Status status = response.status();
        if ((CachePutMode.PUT_IF_ABSENT == mode && Status.ALREADY_EXISTS == status) ||
            (CachePutMode.COMPARE_AND_SET == mode && (Status.VERSION_MISMATCH == status || Status.NOT_FOUND == status)))
        {
            return 0;
        }
        requireOk(response, verb(mode));
        return response.version();
    }

    /**
     * @return the mode as the verb of an error message; constants, so a write allocates no text.
     */
    private static String verb(final CachePutMode mode)
    {
        switch (mode)
        {
            case PUT:
                return "put";
            case PUT_IF_ABSENT:
                return "put_if_absent";
            case REPLACE:
                return "replace";
            case COMPARE_AND_SET:
                return "compare_and_set";
            default:
                return "write";
        }
    }

    private void prepareCommand(final GridRequest request)
    {
        request.kind = GridRequest.COMMAND;
        request.serviceId = serviceId;
        request.timeoutNs = client.context().requestTimeoutNs();
    }

    private CacheResponseDecoder command(final GridRequest request, final String what)
    {
        prepareCommand(request);
        client.execute(request);
        requireGridOk(request, what);
        return request.cacheResponse();
    }

    private void requireGridOk(final GridRequest request, final String what)
    {
        if (Status.OK != request.status())
        {
            throw GridClientException.of(request.status(), what + " on cache " + name);
        }
    }

    private void requireOk(final CacheResponseDecoder response, final String what)
    {
        final Status status = response.status();
        if (Status.OK != status)
        {
            throw GridClientException.of(status, what + " on cache " + name);
        }
    }
}
