package dev.grid.core;

import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class IdleStrategiesTest
{
    @Test
    void aThreadSetsItsOwnTimerSlackAndNoOtherThreads()
    {
        assumeLinuxTimerSlack();
        final long before = TimerSlack.currentThreadSlackNs();

        final long[] seen = onNewThread(() ->
        {
            final boolean applied = TimerSlack.applyToCurrentThread(1_234);
            return applied ? TimerSlack.currentThreadSlackNs() : -2;
        });

        assertThat(seen[0]).isEqualTo(1_234);
        assertThat(before).isNotEqualTo(1_234);
        assertThat(TimerSlack.currentThreadSlackNs()).isEqualTo(before);
    }

    @Test
    void backoffGivesTheThreadThatIdlesWithItTheConfiguredSlackOnItsFirstIdleWithoutWork()
    {
        assumeLinuxTimerSlack();
        final IdleStrategy backoff = IdleStrategies.backoff();
        assertThat(backoff.alias()).isEqualTo("backoff");
        final LowSlackIdleStrategy lowSlack = (LowSlackIdleStrategy)backoff;

        final long[] afterWork = onNewThread(() ->
        {
            final long initial = TimerSlack.currentThreadSlackNs();
            backoff.idle(1);
            return TimerSlack.currentThreadSlackNs() == initial ? initial : -2;
        });
        assertThat(afterWork[0]).isPositive().isNotEqualTo(IdleStrategies.TIMER_SLACK_DEFAULT_NS);

        final long[] afterIdle = onNewThread(() ->
        {
            backoff.idle(0);
            return TimerSlack.currentThreadSlackNs();
        });
        assertThat(afterIdle[0]).isEqualTo(IdleStrategies.TIMER_SLACK_DEFAULT_NS);
        assertThat(lowSlack.slackApplied()).isTrue();
    }

    @Test
    void everyNamedStrategyIsMadeAndAnUnknownNameIsRefusedWithTheKnownOnes()
    {
        assertThat(IdleStrategies.named("busy-spin")).isInstanceOf(BusySpinIdleStrategy.class);
        assertThat(IdleStrategies.named(" Backoff ")).isInstanceOf(LowSlackIdleStrategy.class);
        assertThat(IdleStrategies.named("yield").alias()).isEqualTo("yield");
        assertThat(IdleStrategies.named("sleep").alias()).isEqualTo("sleep-ms");
        assertThatThrownBy(() -> IdleStrategies.named("spin"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'spin'").hasMessageContaining(IdleStrategies.NAMES);
    }

    @Test
    void aSlackBelowOneNanosecondIsRefused()
    {
        assertThatThrownBy(() -> TimerSlack.applyToCurrentThread(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LowSlackIdleStrategy(new BusySpinIdleStrategy(), 0))
            .isInstanceOf(IllegalArgumentException.class);
    }

    private static void assumeLinuxTimerSlack()
    {
        assumeTrue(Files.isSymbolicLink(Paths.get("/proc/thread-self")), "no /proc/thread-self: not Linux");
    }

    private static long[] onNewThread(final LongSupplier body)
    {
        final AtomicLong result = new AtomicLong(Long.MIN_VALUE);
        final Thread thread = new Thread(() -> result.set(body.getAsLong()));
        thread.start();
        try
        {
            thread.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        return new long[]{ result.get() };
    }
}
