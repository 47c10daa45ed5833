package dev.grid.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FixedRateRunTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void aStallCountsInTheLatencyOfEveryOperationScheduledDuringIt()
    {
        final FixedRateRun run = new FixedRateRun(new FixedRateRun.Context()
            .rate(1_000).warmupNs(0).durationNs(TimeUnit.SECONDS.toNanos(1)).maxInFlight(1));
        final FixedRateRun.Result result = run.run((slot, sequence) ->
        {
            if (100 == sequence)
            {
                LockSupport.parkNanos(100 * MS);
            }
            slot.complete(true);
        });

        assertThat(result.scheduled()).isEqualTo(1_000);
        assertThat(result.succeeded()).isEqualTo(1_000);
        final Histogram latency = result.latencyNs();
        assertThat(latency.getTotalCount()).isEqualTo(1_000);
        assertThat(latency.getMaxValue()).isGreaterThanOrEqualTo(100 * MS);
        // Operation k (due at k ms) waits for the stalled one to end (at 200 ms or later): 200 - k ms at least, so
        // operations 100 to 150 all took 50 ms or more. Measured from the send, only the stalled one would have.
        final long atLeast50Ms = latency.getTotalCount() - latency.getCountBetweenValues(0, 50 * MS - 1);
        assertThat(atLeast50Ms).isGreaterThanOrEqualTo(51);
        assertThat(result.senderLatenessNs().getMaxValue()).as("operation 101 was sent ~99 ms late")
            .isGreaterThanOrEqualTo(98 * MS);
    }

    @Test
    void recordsOnlyAfterTheWarmupAndCountsFailuresCompletedOnAnotherThread()
    {
        final ExecutorService answerer = Executors.newSingleThreadExecutor();
        try
        {
            final FixedRateRun run = new FixedRateRun(new FixedRateRun.Context()
                .rate(2_000).warmupNs(100 * MS).durationNs(500 * MS).maxInFlight(4));
            final FixedRateRun.Result result = run.run(
                (slot, sequence) -> answerer.execute(() -> slot.complete(sequence % 10 != 3)));

            assertThat(result.scheduled()).as("500 ms at 2,000/s").isEqualTo(1_000);
            assertThat(result.failed()).isEqualTo(100);
            assertThat(result.succeeded()).isEqualTo(900);
            assertThat(result.unanswered()).isZero();
            assertThat(result.latencyNs().getTotalCount()).isEqualTo(900);
            assertThat(result.senderLatenessNs().getTotalCount()).isEqualTo(1_000);
            assertThat(result.achievedRate()).isGreaterThan(100.0).isLessThanOrEqualTo(1_800.0);
        }
        finally
        {
            answerer.shutdownNow();
        }
    }

    @Test
    void anOperationThatNeverAnswersIsReportedUnansweredAfterTheDrainTimeout()
    {
        final FixedRateRun run = new FixedRateRun(new FixedRateRun.Context()
            .rate(1_000).warmupNs(0).durationNs(10 * MS).maxInFlight(4).drainTimeoutNs(50 * MS));
        final FixedRateRun.Result result = run.run((slot, sequence) ->
        {
            if (sequence < 9)
            {
                slot.complete(true);
            }
        });
        assertThat(result.succeeded()).isEqualTo(9);
        assertThat(result.unanswered()).isEqualTo(1);
        assertThatThrownBy(() -> run.run((slot, sequence) -> slot.complete(true)))
            .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theDefaultIdleWaitingUsesAFractionOfACore()
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long cpuBeforeNs = threads.getCurrentThreadCpuTime();
        final long wallBeforeNs = System.nanoTime();
        final FixedRateRun.Result result = new FixedRateRun(new FixedRateRun.Context()
            .rate(1_000).warmupNs(0).durationNs(TimeUnit.SECONDS.toNanos(1)))
            .run((slot, sequence) -> slot.complete(true));
        final long cpuNs = threads.getCurrentThreadCpuTime() - cpuBeforeNs;
        final long wallNs = System.nanoTime() - wallBeforeNs;

        assertThat(result.succeeded()).isEqualTo(1_000);
        assertThat(wallNs).isGreaterThanOrEqualTo(999 * MS);
        assertThat(cpuNs).as("CPU of the sender over 1 s at 1,000/s (spins at most 50 us per send)")
            .isLessThan(wallNs / 4);
    }

    @Test
    void everyIdleWaySendsTheWholeSchedule()
    {
        for (final FixedRateRun.Idle idle : FixedRateRun.Idle.values())
        {
            final FixedRateRun.Result result = new FixedRateRun(new FixedRateRun.Context()
                .rate(5_000).warmupNs(0).durationNs(20 * MS).idle(idle))
                .run((slot, sequence) -> slot.complete(true));
            assertThat(result.succeeded()).as(idle.name()).isEqualTo(100);
        }
    }

    @Test
    void refusesSettingsOutOfRange()
    {
        assertThatThrownBy(() -> new FixedRateRun(new FixedRateRun.Context().rate(0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
        assertThatThrownBy(() -> new FixedRateRun(new FixedRateRun.Context().durationNs(0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration");
        assertThatThrownBy(() -> new FixedRateRun(new FixedRateRun.Context().maxInFlight(0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in flight");
        assertThatThrownBy(() -> new FixedRateRun(new FixedRateRun.Context().rate(1_000_000_000)
            .durationNs(TimeUnit.SECONDS.toNanos(10))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operations");
    }
}
