package dev.grid.client;

import dev.grid.locks.LockTable;
import dev.grid.sbe.LockResponseDecoder;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;

import java.util.concurrent.TimeUnit;

/**
 * The grid's fenced locks, seen from a client. An owner is this client's session and the calling thread, so a lock
 * is reentrant per thread. A grant returns its fencing token, the log index of the entry that granted it: tokens
 * only grow, across leaders and restarts. Pass it to {@link GridCache#putFenced} (or to any resource that checks
 * it) so a holder that lost the lock cannot write.
 * <p>
 * If this client's session expires (the process died or was cut off longer than the session timeout), the grid
 * releases its locks and hands them to the next waiter; the old holder's next call with its token fails with
 * {@link GridClientException.OwnershipLostException}.
 */
public final class GridLocks
{
    private final GridClient client;
    private final int serviceId;

    GridLocks(final GridClient client, final int serviceId)
    {
        this.client = client;
        this.serviceId = serviceId;
    }

    /**
     * Waits in the lock's FIFO queue until granted.
     *
     * @return the fencing token.
     */
    public long lock(final String name)
    {
        return acquire(name, LockTable.WAIT_FOREVER, Long.MAX_VALUE);
    }

    /**
     * Takes the lock if it is granted within the timeout (measured in the log's time; 0 answers at once).
     *
     * @return the fencing token, or 0 if the lock was not granted in time.
     */
    public long tryLock(final String name, final long timeout, final TimeUnit unit)
    {
        final long waitNs = unit.toNanos(timeout);
        return acquire(name, waitNs, saturatedAdd(waitNs, client.context().requestTimeoutNs()));
    }

    /**
     * Drops one hold of the lock.
     *
     * @param token the token this owner holds, checked by the grid; 0 skips the check.
     * @throws GridClientException.OwnershipLostException if the lock was taken away (session expired or closed).
     * @throws GridClientException with status NOT_HOLDER if this owner does not hold it.
     */
    public void unlock(final String name, final long token)
    {
        final GridRequest request = client.acquire();
        try
        {
            final int nameLength = request.putName(name);
            request.commandLength = request.lockCommands.release(
                request.command, 0, request.name, 0, nameLength, Thread.currentThread().getId(), token);
            final LockResponseDecoder response = command(request, "unlock ", name, client.context().requestTimeoutNs());
            if (Status.OK != response.status())
            {
                throw GridClientException.of(response.status(), "unlock " + name);
            }
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * @return the current holder's fencing token (a linearizable read), or 0 if the lock is free.
     */
    public long currentToken(final String name)
    {
        final GridRequest request = client.acquire();
        try
        {
            final int nameLength = request.putName(name);
            request.commandLength = request.lockCommands.query(request.command, 0, request.name, 0, nameLength);
            request.kind = GridRequest.READ;
            request.serviceId = serviceId;
            request.consistency = ReadConsistency.LINEARIZABLE;
            request.timeoutNs = client.context().requestTimeoutNs();
            client.execute(request);
            if (Status.OK != request.status())
            {
                throw GridClientException.of(request.status(), "query " + name);
            }
            final LockResponseDecoder response = request.lockResponse();
            if (Status.OK != response.status())
            {
                throw GridClientException.of(response.status(), "query " + name);
            }
            return response.holdCount() > 0 ? response.token() : 0;
        }
        finally
        {
            client.release(request);
        }
    }

    private long acquire(final String name, final long waitNs, final long requestTimeoutNs)
    {
        final GridRequest request = client.acquire();
        try
        {
            final int nameLength = request.putName(name);
            request.commandLength = request.lockCommands.acquire(
                request.command, 0, request.name, 0, nameLength, Thread.currentThread().getId(), waitNs, 0, 0);
            request.mayBePending = true;
            final LockResponseDecoder response = command(request, "lock ", name, requestTimeoutNs);
            switch (response.status())
            {
                case OK:
                    return response.token();
                case TIMEOUT:
                    return 0;
                default:
                    throw GridClientException.of(response.status(), "lock " + name);
            }
        }
        finally
        {
            client.release(request);
        }
    }

    /**
     * Runs a lock command; {@code verb} and {@code name} make the error message (only built on an error, so a call
     * allocates no text).
     */
    private LockResponseDecoder command(
        final GridRequest request, final String verb, final String name, final long timeoutNs)
    {
        request.kind = GridRequest.COMMAND;
        request.serviceId = serviceId;
        request.timeoutNs = timeoutNs;
        client.execute(request);
        if (Status.UNKNOWN_SESSION == request.status())
        {
            // The grid expired this client's session (no keep-alive within its timeout): it released every lock
            // the session held. The client goes on with a new session.
            throw new GridClientException.OwnershipLostException(
                verb + name + ": this client's session expired and the grid released its locks");
        }
        if (Status.OK != request.status())
        {
            throw GridClientException.of(request.status(), verb + name);
        }
        return request.lockResponse();
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
