package dev.grid.core;

import org.agrona.SystemUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * The idle strategies of the grid's threads (nodes, clients, embedded drivers), by the names operators give in
 * {@code grid.idle.strategy}: one place, so every agent and every peer measured against the grid idles the same way.
 */
public final class IdleStrategies
{
    /** The names {@link #named} knows. */
    public static final String NAMES = "backoff, busy-spin, yield, sleep";

    /**
     * The timer slack a thread that idles with {@code backoff} gives itself (see {@link TimerSlack}), in ns.
     * The kernel's default of 50 us would add that much to every park, hence to every hand-off between threads.
     */
    public static final String TIMER_SLACK_PROP_NAME = "grid.idle.timer.slack.ns";
    public static final long TIMER_SLACK_DEFAULT_NS = 1_000;

    /**
     * Idle duty cycles a {@code backoff} thread spins through before it yields. Each duty cycle of a node polls its
     * transports (system calls when the media driver runs in the node's thread), so spinning is not free: on a
     * machine with fewer cores than busy threads it takes the core the thread that has the work needs.
     */
    public static final String BACKOFF_SPINS_PROP_NAME = "grid.idle.backoff.spins";
    public static final long BACKOFF_SPINS_DEFAULT = 0;

    /**
     * Idle duty cycles a {@code backoff} thread yields through before it parks. A yield gives the core to a thread
     * that has work (the one a message was just handed to) where there are more busy threads than cores, and costs
     * one system call where there are not.
     */
    public static final String BACKOFF_YIELDS_PROP_NAME = "grid.idle.backoff.yields";
    public static final long BACKOFF_YIELDS_DEFAULT = 30;

    /** A {@code backoff} thread's first park (e.g. 1us), doubled at each idle duty cycle up to the maximum. */
    public static final String BACKOFF_MIN_PARK_PROP_NAME = "grid.idle.backoff.min.park";
    public static final long BACKOFF_MIN_PARK_DEFAULT_NS = TimeUnit.MICROSECONDS.toNanos(1);

    /** A {@code backoff} thread's longest park (e.g. 100us): the most an idle thread adds to a message's latency. */
    public static final String BACKOFF_MAX_PARK_PROP_NAME = "grid.idle.backoff.max.park";
    public static final long BACKOFF_MAX_PARK_DEFAULT_NS = TimeUnit.MICROSECONDS.toNanos(100);

    private IdleStrategies()
    {
    }

    /**
     * @param name backoff, busy-spin, yield or sleep.
     * @return a new idle strategy of that name for one thread.
     * @throws IllegalArgumentException for any other name.
     */
    public static IdleStrategy named(final String name)
    {
        switch (name.trim().toLowerCase())
        {
            case "backoff":
                return backoff();
            case "busy-spin":
                return new BusySpinIdleStrategy();
            case "yield":
                return new YieldingIdleStrategy();
            case "sleep":
                return new SleepingMillisIdleStrategy(1);
            default:
                throw new IllegalArgumentException("idle strategy '" + name + "' is not one of " + NAMES);
        }
    }

    /**
     * Spins {@value #BACKOFF_SPINS_PROP_NAME} times, yields {@value #BACKOFF_YIELDS_PROP_NAME} times, then parks
     * from {@value #BACKOFF_MIN_PARK_PROP_NAME} doubling up to {@value #BACKOFF_MAX_PARK_PROP_NAME}, with the thread's
     * timer slack at {@value #TIMER_SLACK_PROP_NAME}.
     *
     * @return a new back-off idle strategy for one thread.
     */
    public static IdleStrategy backoff()
    {
        return new LowSlackIdleStrategy(
            new BackoffIdleStrategy(
                Long.getLong(BACKOFF_SPINS_PROP_NAME, BACKOFF_SPINS_DEFAULT),
                Long.getLong(BACKOFF_YIELDS_PROP_NAME, BACKOFF_YIELDS_DEFAULT),
                SystemUtil.getDurationInNanos(BACKOFF_MIN_PARK_PROP_NAME, BACKOFF_MIN_PARK_DEFAULT_NS),
                SystemUtil.getDurationInNanos(BACKOFF_MAX_PARK_PROP_NAME, BACKOFF_MAX_PARK_DEFAULT_NS)),
            Long.getLong(TIMER_SLACK_PROP_NAME, TIMER_SLACK_DEFAULT_NS));
    }
}
