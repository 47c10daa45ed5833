package dev.grid.core;

import org.agrona.concurrent.IdleStrategy;

/**
 * An idle strategy that gives the thread idling with it a small timer slack (see {@link TimerSlack}) the first
 * time that thread has nothing to do, so that its parks end close to their deadlines.
 */
public final class LowSlackIdleStrategy implements IdleStrategy
{
    private final IdleStrategy delegate;
    private final long slackNs;
    private Thread slackAppliedTo;
    private boolean slackApplied;

    /**
     * @param delegate the strategy that decides when to spin, yield or park.
     * @param slackNs  the timer slack, at least 1 ns.
     */
    public LowSlackIdleStrategy(final IdleStrategy delegate, final long slackNs)
    {
        if (slackNs < 1)
        {
            throw new IllegalArgumentException("timer slack must be at least 1 ns: " + slackNs);
        }
        this.delegate = delegate;
        this.slackNs = slackNs;
    }

    public void idle(final int workCount)
    {
        if (workCount <= 0)
        {
            applySlackOnce();
        }
        delegate.idle(workCount);
    }

    public void idle()
    {
        applySlackOnce();
        delegate.idle();
    }

    public void reset()
    {
        delegate.reset();
    }

    public String alias()
    {
        return delegate.alias();
    }

    /**
     * @return true once the last thread that idled with this strategy has its slack, false if this system could
     * not give it (parks then overshoot by the kernel's default slack).
     */
    public boolean slackApplied()
    {
        return slackApplied;
    }

    private void applySlackOnce()
    {
        final Thread thread = Thread.currentThread();
        if (thread != slackAppliedTo)
        {
            slackAppliedTo = thread;
            slackApplied = TimerSlack.applyToCurrentThread(slackNs);
        }
    }

    public String toString()
    {
        return delegate + " with timer slack " + slackNs + " ns";
    }
}
