package dev.grid.locks;

import dev.grid.sbe.Status;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks the lock properties from what the log shows, never from the table's insides: the answers (at once and
 * late) that every applied entry produced, the sessions the log closed, and the fenced writes a resource accepted.
 * It keeps its own view of each lock (holder, hold count, token, queue of live waiters, in log order) and reports:
 * <ul>
 *     <li>two holders at once: a grant while another owner still holds the lock;</li>
 *     <li>a grant whose token is not the granting entry's index, or not above the lock's previous token;</li>
 *     <li>a reentrant grant that changed the token, or a release or query that disagrees with the holder;</li>
 *     <li>a grant out of FIFO order among the waiters still alive;</li>
 *     <li>a waiter stuck: a lock free at the end of an entry while live waiters are queued on it;</li>
 *     <li>a fenced write accepted with a token that is not the holder's (stale), or refused with the holder's.</li>
 * </ul>
 */
final class LockSafetyChecker
{
    /** What a request was, so that its answers can be read. */
    record Request(Kind kind, String lockName, long sessionId, long ownerId, long requestSequence, long heldToken)
    {
    }

    private record RequestKey(long sessionId, long requestSequence)
    {
    }

    enum Kind
    {
        ACQUIRE, RELEASE, QUERY
    }

    private static final class View
    {
        long holderSession;
        long holderOwner;
        long token;
        int holdCount;
        long lastToken;
        final ArrayDeque<Request> queue = new ArrayDeque<>();
    }

    private final Map<String, View> locks = new HashMap<>();
    private final Map<RequestKey, Request> pendingBySequenceKey = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final long seed;
    private long index;

    LockSafetyChecker(final long seed)
    {
        this.seed = seed;
    }

    List<String> violations()
    {
        return violations;
    }

    void entry(final long index)
    {
        this.index = index;
    }

    /**
     * The immediate answer to a request applied at the current entry.
     */
    void answered(final Request request, final Answer answer)
    {
        final View lock = view(request.lockName());
        switch (request.kind())
        {
            case ACQUIRE ->
            {
                if (Status.OK == answer.status())
                {
                    granted(request, lock, answer.token());
                }
                else if (Status.PENDING == answer.status())
                {
                    lock.queue.add(request);
                    pendingBySequenceKey.put(key(request.sessionId(), request.requestSequence()), request);
                }
            }
            case RELEASE ->
            {
                final boolean holds = isHolder(lock, request.sessionId(), request.ownerId()) &&
                    (0 == request.heldToken() || request.heldToken() == lock.token);
                if (Status.OK == answer.status())
                {
                    if (!holds)
                    {
                        violation("release by a non-holder accepted: " + request);
                    }
                    else if (--lock.holdCount == 0)
                    {
                        lock.holderSession = 0;
                        lock.holderOwner = 0;
                        lock.token = 0;
                    }
                }
                else if (holds)
                {
                    violation("the holder's release refused with " + answer.status() + ": " + request);
                }
                else if (0 != request.heldToken() && Status.OWNERSHIP_LOST != answer.status())
                {
                    violation("a release on a lost token answered " + answer.status() + ": " + request);
                }
            }
            case QUERY ->
            {
                if (answer.token() != lock.token || answer.holdCount() != lock.holdCount ||
                    answer.holderSessionId() != lock.holderSession || answer.holderOwnerId() != lock.holderOwner)
                {
                    violation("query of " + request.lockName() + " says " + answer + " but the holder is session " +
                        lock.holderSession + " owner " + lock.holderOwner + " token " + lock.token);
                }
            }
        }
    }

    /**
     * A late answer given at the current entry.
     */
    void answeredLater(final long sessionId, final long requestSequence, final Answer answer)
    {
        final Request request = pendingBySequenceKey.remove(key(sessionId, requestSequence));
        if (null == request)
        {
            if (Status.OK == answer.status())
            {
                violation("a late grant to a request that is not waiting: session " + sessionId + " seq " +
                    requestSequence);
            }
            return;
        }
        final View lock = view(request.lockName());
        if (Status.OK == answer.status())
        {
            final Request head = lock.queue.peekFirst();
            if (head != request)
            {
                violation("grant out of FIFO order on " + request.lockName() + ": " + request + " before " + head);
            }
            lock.queue.remove(request);
            granted(request, lock, answer.token());
        }
        else
        {
            lock.queue.remove(request);
        }
    }

    /**
     * The log closed (or expired) a session at the current entry: what it held is free, its waits are over.
     */
    void sessionClosed(final long sessionId)
    {
        for (final View lock : locks.values())
        {
            if (lock.holdCount > 0 && lock.holderSession == sessionId)
            {
                lock.holderSession = 0;
                lock.holderOwner = 0;
                lock.token = 0;
                lock.holdCount = 0;
            }
            final Iterator<Request> waiters = lock.queue.iterator();
            while (waiters.hasNext())
            {
                final Request waiter = waiters.next();
                if (waiter.sessionId() == sessionId)
                {
                    waiters.remove();
                    pendingBySequenceKey.remove(key(sessionId, waiter.requestSequence()));
                }
            }
        }
    }

    /**
     * A fenced write was applied at the current entry.
     */
    void fencedWrite(final String lockName, final long token, final boolean accepted)
    {
        final View lock = view(lockName);
        final boolean current = lock.holdCount > 0 && lock.token == token;
        if (accepted && !current)
        {
            violation("stale write accepted on " + lockName + " with token " + token + ", holder's is " + lock.token);
        }
        if (!accepted && current)
        {
            violation("write refused on " + lockName + " with the holder's token " + token);
        }
    }

    /**
     * After every entry: a free lock has no live waiter.
     */
    void endOfEntry()
    {
        for (final Map.Entry<String, View> entry : locks.entrySet())
        {
            final View lock = entry.getValue();
            if (0 == lock.holdCount && !lock.queue.isEmpty())
            {
                violation("waiter stuck on free lock " + entry.getKey() + ": " + lock.queue.peekFirst());
                lock.queue.clear();
            }
        }
    }

    boolean isIdle()
    {
        for (final View lock : locks.values())
        {
            if (lock.holdCount > 0 || !lock.queue.isEmpty())
            {
                return false;
            }
        }
        return true;
    }

    void violation(final String what)
    {
        violations.add("seed " + seed + " index " + index + ": " + what);
    }

    private void granted(final Request request, final View lock, final long token)
    {
        if (isHolder(lock, request.sessionId(), request.ownerId()))
        {
            if (token != lock.token)
            {
                violation("reentrant grant changed the token from " + lock.token + " to " + token + ": " + request);
            }
            lock.holdCount++;
            return;
        }
        if (lock.holdCount > 0)
        {
            violation("two holders of " + request.lockName() + ": session " + lock.holderSession + " owner " +
                lock.holderOwner + " and " + request);
        }
        if (token != index)
        {
            violation("grant token " + token + " is not the granting entry's index " + index);
        }
        if (token <= lock.lastToken)
        {
            violation("token " + token + " of " + request.lockName() + " not above the previous " + lock.lastToken);
        }
        lock.lastToken = Math.max(lock.lastToken, token);
        lock.holderSession = request.sessionId();
        lock.holderOwner = request.ownerId();
        lock.token = token;
        lock.holdCount = 1;
    }

    private static boolean isHolder(final View lock, final long sessionId, final long ownerId)
    {
        return lock.holdCount > 0 && lock.holderSession == sessionId && lock.holderOwner == ownerId;
    }

    private View view(final String lockName)
    {
        return locks.computeIfAbsent(lockName, name -> new View());
    }

    private static RequestKey key(final long sessionId, final long requestSequence)
    {
        return new RequestKey(sessionId, requestSequence);
    }
}
