package dev.grid.bench;

import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Operations started at a fixed rate, each one's latency measured from the time the schedule gave it, not from the
 * time it was actually sent. Operation {@code n} is due at {@code start + n / rate}; when the system under test
 * stalls, the operations due meanwhile are sent late (as soon as a slot frees) and the wait counts in their latency.
 * A load generator that measured from the actual send would record one slow operation and then only fast ones,
 * omitting exactly the waits a steady stream of users would have seen (coordinated omission, as in Gil Tene's wrk2
 * and HdrHistogram); measuring from the schedule keeps them.
 * <p>
 * Up to {@link Context#maxInFlight} operations are outstanding at once; an operation completes its {@link Slot} from
 * any thread (an asynchronous answer on a client's thread, or the sender's own thread for a synchronous call).
 * Latencies are recorded (in nanoseconds, allocation-free) only for operations scheduled after the warm-up.
 * Between sends the sender waits as {@link Idle} says; by default it parks, so an idle sender leaves its core to
 * the grid.
 */
public final class FixedRateRun
{
    /**
     * How the sender waits for the next scheduled time (and for a free slot).
     */
    public enum Idle
    {
        /**
         * Park until shortly before the scheduled time, then spin for the rest: at most 50 us, and at most a tenth of
         * the interval, so the sender uses at most about a tenth of a core and sends close to the schedule.
         */
        BACKOFF,
        /**
         * Park until the scheduled time. The least CPU; a send is late by the operating system's wake-up delay
         * (timer slack, typically 50-100 us) and that delay counts in the latency.
         */
        PARK,
        /**
         * Busy-spin: sends on time, burns a core. Only on a core of its own.
         */
        SPIN
    }

    /**
     * What the run does at each scheduled time.
     */
    public interface Operation
    {
        /**
         * Called once for every slot before the run starts, e.g. to bind a completion handler to it, so that
         * {@link #issue} allocates nothing.
         */
        default void prepare(final Slot slot)
        {
        }

        /**
         * Starts operation number {@code sequence}. Exactly one {@link Slot#complete} must follow, from any thread,
         * once the operation has its answer (before returning, for a synchronous operation).
         */
        void issue(Slot slot, long sequence);
    }

    /**
     * One operation in flight: the time the schedule gave it, and the completion that records its latency.
     */
    public static final class Slot
    {
        private final FixedRateRun run;
        private final int index;
        private long scheduledNs;

        private Slot(final FixedRateRun run, final int index)
        {
            this.run = run;
            this.index = index;
        }

        /**
         * @return this slot's number, from 0 to {@link Context#maxInFlight} - 1.
         */
        public int index()
        {
            return index;
        }

        /**
         * Ends the operation: records its latency from its scheduled start if it succeeded, counts it as failed
         * otherwise, and frees the slot for the next one.
         */
        public void complete(final boolean succeeded)
        {
            run.onComplete(this, succeeded);
        }
    }

    /**
     * What a run measured (the warm-up excluded).
     *
     * @param latencyNs        latency of each succeeded operation from its scheduled start, in nanoseconds.
     * @param senderLatenessNs how late after its scheduled time each operation was handed to the system under
     *                         test (waiting for the sender to wake or for a free slot); part of {@code latencyNs}.
     * @param scheduled        operations scheduled.
     * @param succeeded        operations that completed with success.
     * @param failed           operations that completed with a failure.
     * @param unanswered       operations still in flight when the run gave up waiting for them.
     * @param achievedRate     succeeded operations per second over the measured duration, or from its first
     *                         scheduled time to the last completion if that took longer.
     */
    public record Result(
        Histogram latencyNs,
        Histogram senderLatenessNs,
        long scheduled,
        long succeeded,
        long failed,
        long unanswered,
        double achievedRate)
    {
    }

    /**
     * Configuration of a run.
     */
    public static final class Context
    {
        private long rate = 1_000;
        private long warmupNs = TimeUnit.SECONDS.toNanos(2);
        private long durationNs = TimeUnit.SECONDS.toNanos(10);
        private int maxInFlight = 16;
        private Idle idle = Idle.BACKOFF;
        private long drainTimeoutNs = TimeUnit.SECONDS.toNanos(30);
        private long highestTrackableNs = TimeUnit.MINUTES.toNanos(10);

        /**
         * @throws IllegalArgumentException naming the setting that is out of range.
         */
        public Context conclude()
        {
            if (rate < 1 || rate > 1_000_000_000)
            {
                throw new IllegalArgumentException("rate must be 1 to 1,000,000,000 operations per second, not " +
                    rate);
            }
            if (durationNs <= 0 || warmupNs < 0 || drainTimeoutNs <= 0)
            {
                throw new IllegalArgumentException("duration must be positive, warm-up and drain timeout not " +
                    "negative");
            }
            if (maxInFlight < 1)
            {
                throw new IllegalArgumentException("at least one operation must be allowed in flight");
            }
            if (scheduledOperations(warmupNs + durationNs) > Integer.MAX_VALUE)
            {
                throw new IllegalArgumentException("rate x (warm-up + duration) is over " + Integer.MAX_VALUE +
                    " operations");
            }
            return this;
        }

        /**
         * @return how many operations fall due within {@code ns} of the start.
         */
        long scheduledOperations(final long ns)
        {
            return (long)Math.ceil((double)ns * rate / TimeUnit.SECONDS.toNanos(1));
        }

        public long rate()
        {
            return rate;
        }

        /**
         * @param rate operations started per second.
         */
        public Context rate(final long rate)
        {
            this.rate = rate;
            return this;
        }

        public long warmupNs()
        {
            return warmupNs;
        }

        /**
         * @param warmupNs how long the schedule runs before latencies are recorded.
         */
        public Context warmupNs(final long warmupNs)
        {
            this.warmupNs = warmupNs;
            return this;
        }

        public long durationNs()
        {
            return durationNs;
        }

        /**
         * @param durationNs how long the schedule runs with latencies recorded, after the warm-up.
         */
        public Context durationNs(final long durationNs)
        {
            this.durationNs = durationNs;
            return this;
        }

        public int maxInFlight()
        {
            return maxInFlight;
        }

        /**
         * @param maxInFlight operations outstanding at once; a due operation waits for a free slot (and the wait
         *                    counts in its latency).
         */
        public Context maxInFlight(final int maxInFlight)
        {
            this.maxInFlight = maxInFlight;
            return this;
        }

        public Idle idle()
        {
            return idle;
        }

        public Context idle(final Idle idle)
        {
            this.idle = idle;
            return this;
        }

        public long drainTimeoutNs()
        {
            return drainTimeoutNs;
        }

        /**
         * @param drainTimeoutNs how long to wait, after the last scheduled send, for the operations in flight.
         */
        public Context drainTimeoutNs(final long drainTimeoutNs)
        {
            this.drainTimeoutNs = drainTimeoutNs;
            return this;
        }

        public long highestTrackableNs()
        {
            return highestTrackableNs;
        }

        /**
         * @param highestTrackableNs the largest latency the histograms hold; a larger one is recorded as this.
         */
        public Context highestTrackableNs(final long highestTrackableNs)
        {
            this.highestTrackableNs = highestTrackableNs;
            return this;
        }
    }

    /** The most a {@link Idle#BACKOFF} sender spins before a scheduled time. */
    static final long MAX_SPIN_NS = TimeUnit.MICROSECONDS.toNanos(50);
    /** How long a parking sender sleeps while every slot is in flight. */
    private static final long SLOT_WAIT_PARK_NS = TimeUnit.MICROSECONDS.toNanos(20);

    private final Context ctx;
    private final Slot[] slots;
    private final ManyToOneConcurrentArrayQueue<Slot> freeSlots;
    private final AtomicHistogram latencyNs;
    private final AtomicHistogram senderLatenessNs;
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastCompletionNs = new AtomicLong();
    private final double intervalNs;
    private final long spinNs;
    private long measuredFromNs = Long.MAX_VALUE;

    /**
     * @param ctx the run's settings; concluded here.
     */
    public FixedRateRun(final Context ctx)
    {
        this.ctx = ctx.conclude();
        intervalNs = (double)TimeUnit.SECONDS.toNanos(1) / ctx.rate();
        spinNs = Math.min(MAX_SPIN_NS, (long)(intervalNs / 10));
        latencyNs = new AtomicHistogram(ctx.highestTrackableNs(), 3);
        senderLatenessNs = new AtomicHistogram(ctx.highestTrackableNs(), 3);
        slots = new Slot[ctx.maxInFlight()];
        freeSlots = new ManyToOneConcurrentArrayQueue<>(slots.length);
        for (int i = 0; i < slots.length; i++)
        {
            slots[i] = new Slot(this, i);
            freeSlots.offer(slots[i]);
        }
    }

    /**
     * Runs the schedule on the calling thread (warm-up, then the measured duration) and waits for the operations in
     * flight. A run object runs once.
     */
    public Result run(final Operation operation)
    {
        if (measuredFromNs != Long.MAX_VALUE)
        {
            throw new IllegalStateException("a FixedRateRun runs once");
        }
        for (final Slot slot : slots)
        {
            operation.prepare(slot);
        }
        final long warmupOperations = ctx.scheduledOperations(ctx.warmupNs());
        final long operations = warmupOperations + ctx.scheduledOperations(ctx.durationNs());
        final long startNs = System.nanoTime();
        measuredFromNs = startNs + (long)(warmupOperations * intervalNs);
        lastCompletionNs.set(measuredFromNs);
        for (long sequence = 0; sequence < operations; sequence++)
        {
            final long scheduledNs = startNs + (long)(sequence * intervalNs);
            awaitTime(scheduledNs);
            final Slot slot = takeSlot();
            if (scheduledNs >= measuredFromNs)
            {
                senderLatenessNs.recordValue(clamp(System.nanoTime() - scheduledNs));
            }
            slot.scheduledNs = scheduledNs;
            operation.issue(slot, sequence);
        }
        final long unanswered = drain();
        final long ok = succeeded.get();
        final long elapsedNs = Math.max(ctx.durationNs(), lastCompletionNs.get() - measuredFromNs);
        return new Result(latencyNs.copy(), senderLatenessNs.copy(), operations - warmupOperations, ok, failed.get(),
            unanswered, ok * (double)TimeUnit.SECONDS.toNanos(1) / elapsedNs);
    }

    private void onComplete(final Slot slot, final boolean ok)
    {
        final long nowNs = System.nanoTime();
        if (slot.scheduledNs >= measuredFromNs)
        {
            if (ok)
            {
                latencyNs.recordValue(clamp(nowNs - slot.scheduledNs));
                succeeded.incrementAndGet();
            }
            else
            {
                failed.incrementAndGet();
            }
            lastCompletionNs.accumulateAndGet(nowNs, Math::max);
        }
        freeSlots.offer(slot);
    }

    private long clamp(final long valueNs)
    {
        return Math.min(Math.max(valueNs, 0), ctx.highestTrackableNs());
    }

    private void awaitTime(final long scheduledNs)
    {
        long remainingNs;
        switch (ctx.idle())
        {
            case SPIN:
                while (System.nanoTime() < scheduledNs)
                {
                    Thread.onSpinWait();
                }
                break;

            case PARK:
                while ((remainingNs = scheduledNs - System.nanoTime()) > 0)
                {
                    LockSupport.parkNanos(remainingNs);
                }
                break;

            default:
                while ((remainingNs = scheduledNs - System.nanoTime()) > spinNs)
                {
                    LockSupport.parkNanos(remainingNs - spinNs);
                }
                while (System.nanoTime() < scheduledNs)
                {
                    Thread.onSpinWait();
                }
                break;
        }
    }

    private Slot takeSlot()
    {
        Slot slot;
        while (null == (slot = freeSlots.poll()))
        {
            idleForSlot();
        }
        return slot;
    }

    private void idleForSlot()
    {
        if (Idle.SPIN == ctx.idle())
        {
            Thread.onSpinWait();
        }
        else
        {
            LockSupport.parkNanos(SLOT_WAIT_PARK_NS);
        }
    }

    /**
     * @return how many operations were still in flight at the drain timeout.
     */
    private long drain()
    {
        final long deadlineNs = System.nanoTime() + ctx.drainTimeoutNs();
        while (freeSlots.size() < slots.length && System.nanoTime() < deadlineNs)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return slots.length - freeSlots.size();
    }
}
