package dev.grid.locks;

import dev.grid.sbe.Status;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lock semantics written the plain way (collections, strings, no budgets on memory layout), to check
 * {@link LockTable} against over long random sequences. Late answers are returned per entry, in the canonical order
 * of {@link Deferred#BY_REQUEST}.
 */
final class ReferenceLockTable
{
    private static final class Waiter
    {
        final long sessionId;
        final long ownerId;
        final long requestSequence;
        final long deadline;
        final long ticket;

        Waiter(final long sessionId, final long ownerId, final long requestSequence, final long deadline,
            final long ticket)
        {
            this.sessionId = sessionId;
            this.ownerId = ownerId;
            this.requestSequence = requestSequence;
            this.deadline = deadline;
            this.ticket = ticket;
        }
    }

    private static final class Lock
    {
        long holderSession;
        long holderOwner;
        long token;
        int holdCount;
        final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    }

    private final Map<String, Lock> locks = new TreeMap<>();
    private final int maxLocks;
    private final int maxWaitersPerLock;
    private final int maxWaiters;
    private final int maxNameLength;
    private final int defaultAcquireLimit;
    private final List<Deferred> deferred = new ArrayList<>();

    ReferenceLockTable(final LockTableContext context)
    {
        maxLocks = context.maxLocks();
        maxWaitersPerLock = context.maxWaitersPerLock();
        maxWaiters = context.maxWaiters();
        maxNameLength = context.maxNameLength();
        defaultAcquireLimit = context.defaultAcquireLimit();
    }

    Answer acquire(
        final long index,
        final long timestamp,
        final long sessionId,
        final long requestSequence,
        final long ownerId,
        final String name,
        final long waitTimeout,
        final long heldToken,
        final int acquireLimit)
    {
        final Status nameStatus = nameStatus(name);
        if (null != nameStatus || waitTimeout < -1 || heldToken < 0 || acquireLimit < 0)
        {
            return Answer.free(null != nameStatus ? nameStatus : Status.MALFORMED, index);
        }
        final Lock lock = locks.get(name);
        if (null == lock)
        {
            if (heldToken != 0)
            {
                return Answer.free(Status.OWNERSHIP_LOST, index);
            }
            if (locks.size() == maxLocks)
            {
                return Answer.free(Status.LIMIT_EXCEEDED, index);
            }
            final Lock granted = new Lock();
            granted.holderSession = sessionId;
            granted.holderOwner = ownerId;
            granted.token = index;
            granted.holdCount = 1;
            locks.put(name, granted);
            return answer(Status.OK, index, granted);
        }
        if (lock.holderSession == sessionId && lock.holderOwner == ownerId)
        {
            if (heldToken != 0 && heldToken != lock.token)
            {
                return answer(Status.OWNERSHIP_LOST, index, lock);
            }
            if (lock.holdCount >= (0 == acquireLimit ? defaultAcquireLimit : acquireLimit))
            {
                return answer(Status.LIMIT_EXCEEDED, index, lock);
            }
            lock.holdCount++;
            return answer(Status.OK, index, lock);
        }
        if (heldToken != 0)
        {
            return answer(Status.OWNERSHIP_LOST, index, lock);
        }
        if (0 == waitTimeout)
        {
            return answer(Status.TIMEOUT, index, lock);
        }
        if (lock.queue.size() >= maxWaitersPerLock || totalWaiters() >= maxWaiters)
        {
            return answer(Status.LIMIT_EXCEEDED, index, lock);
        }
        for (final Waiter waiter : lock.queue)
        {
            if (waiter.sessionId == sessionId && waiter.ownerId == ownerId)
            {
                return answer(Status.ALREADY_EXISTS, index, lock);
            }
        }
        final long deadline = -1 == waitTimeout ? Long.MAX_VALUE :
            (timestamp > Long.MAX_VALUE - waitTimeout ? Long.MAX_VALUE : timestamp + waitTimeout);
        lock.queue.add(new Waiter(sessionId, ownerId, requestSequence, deadline, index));
        return answer(Status.PENDING, index, lock);
    }

    Answer release(final long index, final long sessionId, final long ownerId, final String name, final long heldToken)
    {
        final Status nameStatus = nameStatus(name);
        if (null != nameStatus || heldToken < 0)
        {
            return Answer.free(null != nameStatus ? nameStatus : Status.MALFORMED, index);
        }
        final Lock lock = locks.get(name);
        if (null == lock || lock.holderSession != sessionId || lock.holderOwner != ownerId ||
            (heldToken != 0 && heldToken != lock.token))
        {
            return answer(heldToken != 0 ? Status.OWNERSHIP_LOST : Status.NOT_HOLDER, index, lock);
        }
        if (--lock.holdCount > 0)
        {
            return answer(Status.OK, index, lock);
        }
        return answer(Status.OK, index, handOff(name, lock, index));
    }

    Answer query(final long index, final String name)
    {
        final Status nameStatus = nameStatus(name);
        return null != nameStatus ? Answer.free(nameStatus, index) : answer(Status.OK, index, locks.get(name));
    }

    List<Deferred> onLogTime(final long index, final long timestamp)
    {
        final List<Waiter> expired = new ArrayList<>();
        final List<Lock> expiredLocks = new ArrayList<>();
        for (final Lock lock : locks.values())
        {
            for (final Waiter waiter : lock.queue)
            {
                if (waiter.deadline <= timestamp)
                {
                    expired.add(waiter);
                    expiredLocks.add(lock);
                }
            }
        }
        final Integer[] order = new Integer[expired.size()];
        for (int i = 0; i < order.length; i++)
        {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> expired.get(i).deadline)
            .thenComparingLong(i -> expired.get(i).ticket));
        for (final int i : order)
        {
            final Lock lock = expiredLocks.get(i);
            final Waiter waiter = expired.get(i);
            lock.queue.remove(waiter);
            deferred.add(new Deferred(waiter.sessionId, waiter.requestSequence, answer(Status.TIMEOUT, index, lock)));
        }
        return takeDeferred();
    }

    List<Deferred> onSessionClosed(final long index, final long sessionId)
    {
        final Iterator<Map.Entry<String, Lock>> entries = new ArrayList<>(locks.entrySet()).iterator();
        while (entries.hasNext())
        {
            final Map.Entry<String, Lock> entry = entries.next();
            final Lock lock = entry.getValue();
            final Iterator<Waiter> waiters = lock.queue.iterator();
            while (waiters.hasNext())
            {
                final Waiter waiter = waiters.next();
                if (waiter.sessionId == sessionId)
                {
                    waiters.remove();
                    deferred.add(new Deferred(
                        waiter.sessionId, waiter.requestSequence, answer(Status.OWNERSHIP_LOST, index, lock)));
                }
            }
            if (lock.holderSession == sessionId)
            {
                handOff(entry.getKey(), lock, index);
            }
        }
        return takeDeferred();
    }

    List<Deferred> takeDeferred()
    {
        final List<Deferred> taken = new ArrayList<>(deferred);
        deferred.clear();
        taken.sort(Deferred.BY_REQUEST);
        return taken;
    }

    private Lock handOff(final String name, final Lock lock, final long index)
    {
        final Waiter next = lock.queue.poll();
        if (null == next)
        {
            locks.remove(name);
            return null;
        }
        lock.holderSession = next.sessionId;
        lock.holderOwner = next.ownerId;
        lock.token = index;
        lock.holdCount = 1;
        deferred.add(new Deferred(next.sessionId, next.requestSequence, answer(Status.OK, index, lock)));
        return lock;
    }

    private int totalWaiters()
    {
        int total = 0;
        for (final Lock lock : locks.values())
        {
            total += lock.queue.size();
        }
        return total;
    }

    private Status nameStatus(final String name)
    {
        if (name.isEmpty())
        {
            return Status.MALFORMED;
        }
        return name.length() > maxNameLength ? Status.TOO_LARGE : null;
    }

    private static Answer answer(final Status status, final long index, final Lock lock)
    {
        return null == lock ? Answer.free(status, index) : new Answer(
            status, index, lock.token, lock.holderSession, lock.holderOwner, lock.holdCount, lock.queue.size());
    }
}
