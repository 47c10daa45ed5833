package dev.grid.locks;

import dev.grid.core.DeferredResponses;
import dev.grid.sbe.VarAsciiEncodingDecoder;

import static org.agrona.SystemUtil.getSizeAsInt;

/**
 * The lock table's configuration, fixed at start: its budgets decide all the memory it will ever use. Each setting
 * defaults from a system property; {@link #conclude()} validates them before the table allocates.
 */
public final class LockTableContext
{
    /** Service id the table answers as, in deferred responses. */
    public static final String SERVICE_ID_PROP_NAME = "grid.locks.service.id";
    public static final int SERVICE_ID_DEFAULT = 2;

    /** Most locks held at once (a lock that is free and has no waiters takes no room). */
    public static final String MAX_LOCKS_PROP_NAME = "grid.locks.max.locks";
    public static final int MAX_LOCKS_DEFAULT = 4096;

    /** Most requests queued on one lock. */
    public static final String MAX_WAITERS_PER_LOCK_PROP_NAME = "grid.locks.max.waiters.per.lock";
    public static final int MAX_WAITERS_PER_LOCK_DEFAULT = 256;

    /** Most requests queued over all locks. */
    public static final String MAX_WAITERS_PROP_NAME = "grid.locks.max.waiters";
    public static final int MAX_WAITERS_DEFAULT = 16384;

    /** Longest lock name, in bytes (US-ASCII). */
    public static final String MAX_NAME_LENGTH_PROP_NAME = "grid.locks.max.name.length";
    public static final int MAX_NAME_LENGTH_DEFAULT = 64;

    /** Holds one owner may stack on a lock when the request does not say (1: not reentrant). */
    public static final String DEFAULT_ACQUIRE_LIMIT_PROP_NAME = "grid.locks.default.acquire.limit";
    public static final int DEFAULT_ACQUIRE_LIMIT_DEFAULT = Integer.MAX_VALUE;

    private int serviceId = Integer.getInteger(SERVICE_ID_PROP_NAME, SERVICE_ID_DEFAULT);
    private int maxLocks = getSizeAsInt(MAX_LOCKS_PROP_NAME, MAX_LOCKS_DEFAULT);
    private int maxWaitersPerLock = getSizeAsInt(MAX_WAITERS_PER_LOCK_PROP_NAME, MAX_WAITERS_PER_LOCK_DEFAULT);
    private int maxWaiters = getSizeAsInt(MAX_WAITERS_PROP_NAME, MAX_WAITERS_DEFAULT);
    private int maxNameLength = getSizeAsInt(MAX_NAME_LENGTH_PROP_NAME, MAX_NAME_LENGTH_DEFAULT);
    private int defaultAcquireLimit = Integer.getInteger(
        DEFAULT_ACQUIRE_LIMIT_PROP_NAME, DEFAULT_ACQUIRE_LIMIT_DEFAULT);
    private DeferredResponses deferredResponses;
    private boolean concluded;

    /**
     * Validates the settings; called by the table's constructor.
     *
     * @return this.
     * @throws IllegalArgumentException naming the setting that is out of range.
     */
    public LockTableContext conclude()
    {
        requireRange("maxLocks", maxLocks, 1, 1 << 24);
        requireRange("maxWaitersPerLock", maxWaitersPerLock, 0, 1 << 24);
        requireRange("maxWaiters", maxWaiters, 0, 1 << 26);
        requireRange("maxNameLength", maxNameLength, 1, VarAsciiEncodingDecoder.lengthMaxValue());
        requireRange("defaultAcquireLimit", defaultAcquireLimit, 1, Integer.MAX_VALUE);
        if ((long)maxLocks * maxNameLength > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("maxLocks * maxNameLength = " + (long)maxLocks * maxNameLength +
                " bytes of lock names is more than one buffer holds");
        }
        if (null == deferredResponses)
        {
            throw new IllegalArgumentException(
                "deferredResponses is required: queued requests are answered through it (DeferredResponses.NONE " +
                "for a table whose late answers nobody reads)");
        }
        concluded = true;
        return this;
    }

    public boolean isConcluded()
    {
        return concluded;
    }

    public int serviceId()
    {
        return serviceId;
    }

    public LockTableContext serviceId(final int serviceId)
    {
        this.serviceId = serviceId;
        return this;
    }

    public int maxLocks()
    {
        return maxLocks;
    }

    public LockTableContext maxLocks(final int maxLocks)
    {
        this.maxLocks = maxLocks;
        return this;
    }

    public int maxWaitersPerLock()
    {
        return maxWaitersPerLock;
    }

    public LockTableContext maxWaitersPerLock(final int maxWaitersPerLock)
    {
        this.maxWaitersPerLock = maxWaitersPerLock;
        return this;
    }

    public int maxWaiters()
    {
        return maxWaiters;
    }

    public LockTableContext maxWaiters(final int maxWaiters)
    {
        this.maxWaiters = maxWaiters;
        return this;
    }

    public int maxNameLength()
    {
        return maxNameLength;
    }

    public LockTableContext maxNameLength(final int maxNameLength)
    {
        this.maxNameLength = maxNameLength;
        return this;
    }

    public int defaultAcquireLimit()
    {
        return defaultAcquireLimit;
    }

    public LockTableContext defaultAcquireLimit(final int defaultAcquireLimit)
    {
        this.defaultAcquireLimit = defaultAcquireLimit;
        return this;
    }

    public DeferredResponses deferredResponses()
    {
        return deferredResponses;
    }

    /**
     * @param deferredResponses where answers to queued requests go when they are granted, time out or are lost.
     * @return this.
     */
    public LockTableContext deferredResponses(final DeferredResponses deferredResponses)
    {
        this.deferredResponses = deferredResponses;
        return this;
    }

    private static void requireRange(final String name, final int value, final int min, final int max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(name + "=" + value + " is outside [" + min + ", " + max + "]");
        }
    }
}
