package dev.grid.cache;

import dev.grid.core.StateChecksum;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The climber on samples of known hit rates (1,000 entries: samples of 10,000 requests, a full step of 62.5 entries,
 * a 1% window to start with).
 */
class WindowClimberTest
{
    private static final int MAX_ENTRIES = 1000;

    private final WindowClimber climber = new WindowClimber(MAX_ENTRIES);

    private void sample(final int hits)
    {
        for (int i = 0; i < hits; i++)
        {
            climber.onHit();
        }
        for (int i = hits; i < 10 * MAX_ENTRIES; i++)
        {
            climber.onMiss();
        }
    }

    @Test
    void climbsTowardsTheBetterHitRateAndHoldsOnChangesWithinTheNoise()
    {
        assertThat(climber.windowCapacity()).isEqualTo(10);
        sample(1_000);
        assertThat(climber.windowCapacity()).as("the first step shrinks the window").isEqualTo(1);
        sample(400);
        assertThat(climber.windowCapacity()).as("6 points worse: turn round with a full step").isEqualTo(63);
        // The noise is sqrt(2 p (1 - p) / 10,000): one standard error of the difference between two samples.
        // 4.25% after 4.00%: +0.25 points, under the noise of 0.285 points (over one sample's 0.202).
        sample(425);
        assertThat(climber.windowCapacity()).as("a change within the noise holds the window").isEqualTo(63);
        // 4.56% after 4.25%: +0.31 points, over the noise of 0.295 points (under the 0.361 that three variances
        // instead of two would give): on upwards, by the full step decayed once.
        sample(456);
        assertThat(climber.windowCapacity()).isEqualTo(63 + 61);
        sample(456);
        assertThat(climber.windowCapacity()).as("no change at all holds").isEqualTo(63 + 61);
    }

    @Test
    void neverLeavesOneToMaxEntriesLessOne()
    {
        for (int i = 0; i < 40; i++)
        {
            sample(i % 2 == 0 ? 9_000 : 100);
            assertThat(climber.windowCapacity()).isBetween(1, MAX_ENTRIES - 1);
        }
    }

    @Test
    void itsStateRoundTripsThroughASnapshotMidSample()
    {
        sample(1_000);
        sample(400);
        for (int i = 0; i < 1234; i++)
        {
            climber.onHit();
        }
        final UnsafeBuffer state = new UnsafeBuffer(new byte[WindowClimber.STATE_LENGTH]);
        climber.writeState(state, 0);
        final WindowClimber restored = new WindowClimber(MAX_ENTRIES);
        restored.readState(state, 0);
        assertThat(restored.windowCapacity()).isEqualTo(climber.windowCapacity());
        assertThat(checksum(restored)).isEqualTo(checksum(climber));
        for (int i = 0; i < 10 * MAX_ENTRIES; i++)
        {
            climber.onMiss();
            restored.onMiss();
        }
        assertThat(restored.windowCapacity()).isEqualTo(climber.windowCapacity()).isNotEqualTo(63);
    }

    private static long checksum(final WindowClimber climber)
    {
        final StateChecksum checksum = new StateChecksum();
        climber.checksum(checksum);
        return checksum.value();
    }
}
