package dev.grid.client;

import dev.grid.cache.CacheCommands;
import dev.grid.locks.LockCommands;
import dev.grid.sbe.CacheResponseDecoder;
import dev.grid.sbe.LockResponseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * One request slot of a {@link GridClient}: the command or query an application thread encodes, and the answer the
 * client's thread fills in. Slots are allocated when the client starts and reused, so a request allocates nothing.
 * <p>
 * Ownership moves with {@link #state}: the application thread owns a slot it took from the pool until it submits
 * it; the client thread owns it until it sets {@code DONE} (a release store); then the application thread (a
 * synchronous call) or the handler (an asynchronous one) reads the answer and the slot goes back to the pool.
 */
public final class GridRequest
{
    static final int IDLE = 0;
    static final int SUBMITTED = 1;
    static final int DONE = 2;

    /** Longest lock name (or fence lock name) a request carries. */
    static final int MAX_NAME_LENGTH = 1024;

    static final int COMMAND = 0;
    static final int READ = 1;
    static final int STATUS = 2;

    final int slot;
    final UnsafeBuffer command;
    final UnsafeBuffer response;
    final CacheCommands cacheCommands = new CacheCommands();
    final LockCommands lockCommands = new LockCommands();
    final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    final CacheResponseDecoder cacheResponse = new CacheResponseDecoder();
    final LockResponseDecoder lockResponse = new LockResponseDecoder();
    final UnsafeBuffer keyView = new UnsafeBuffer(0, 0);
    final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    final UnsafeBuffer name;

    volatile int state = IDLE;
    /** The thread waiting in {@link GridClient#execute} for this request, woken when it is done. */
    Thread waiter;
    int kind;
    int serviceId;
    int commandLength;
    ReadConsistency consistency;
    boolean mayBePending;
    long timeoutNs;
    ResponseHandler handler;

    long sequence;
    long deadlineNs;
    long nextSendNs;
    int sendCount;
    /** A command the grid answered PENDING (a queued lock): its final answer may take long. */
    boolean parked;

    Status status;
    long logIndex;
    int responseLength;

    GridRequest(final int slot, final int maxMessageLength)
    {
        this.slot = slot;
        command = new UnsafeBuffer(ByteBuffer.allocateDirect(maxMessageLength));
        response = new UnsafeBuffer(ByteBuffer.allocateDirect(maxMessageLength));
        name = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_NAME_LENGTH));
    }

    /**
     * @return the grid's status: OK when the service answered (its own status is inside {@link #response()}).
     */
    public Status status()
    {
        return status;
    }

    /**
     * @return the log index of the entry that applied a command, or the index a read saw.
     */
    public long logIndex()
    {
        return logIndex;
    }

    /**
     * @return the service's answer (a CacheResponse, a LockResponse...), from offset 0.
     */
    public DirectBuffer response()
    {
        return response;
    }

    public int responseLength()
    {
        return responseLength;
    }

    void complete(final Status status, final long logIndex, final DirectBuffer buffer, final int offset,
        final int length)
    {
        this.status = status;
        this.logIndex = logIndex;
        final int copied = Math.min(length, response.capacity());
        response.putBytes(0, buffer, offset, copied);
        responseLength = copied;
    }

    /**
     * @return the service's CacheResponse, decoded in place.
     */
    public CacheResponseDecoder cacheResponse()
    {
        return cacheResponse.wrapAndApplyHeader(response, 0, headerDecoder);
    }

    /**
     * @return the service's LockResponse, decoded in place.
     */
    public LockResponseDecoder lockResponse()
    {
        return lockResponse.wrapAndApplyHeader(response, 0, headerDecoder);
    }

    /**
     * Copies a US-ASCII name into {@link #name}.
     *
     * @return its length.
     */
    int putName(final String text)
    {
        if (text.length() > MAX_NAME_LENGTH)
        {
            throw new GridClientException.BadArgumentException(Status.MALFORMED,
                "name of " + text.length() + " characters is over " + MAX_NAME_LENGTH);
        }
        return name.putStringWithoutLengthAscii(0, text);
    }

    void fail(final Status status)
    {
        this.status = status;
        this.logIndex = 0;
        responseLength = 0;
    }
}
