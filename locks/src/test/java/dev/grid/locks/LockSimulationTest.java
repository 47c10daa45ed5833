package dev.grid.locks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@link LockSimulation} over the seeds {@code grid.sim.seedStart} .. + {@code grid.sim.seeds} and prints
 * {@code LOCK-SIMULATION seeds=<n> violations=<v>}; then shows that each planted bug is caught.
 */
class LockSimulationTest
{
    @Test
    void noViolationsOverTheConfiguredSeeds()
    {
        final long seedStart = Long.getLong("grid.sim.seedStart", 1);
        final int seeds = Integer.getInteger("grid.sim.seeds", 300);
        final List<String> violations = new ArrayList<>();
        final LockSimulation.Stats total = new LockSimulation.Stats();
        for (long seed = seedStart; seed < seedStart + seeds; seed++)
        {
            final LockSimulation.Result result = LockSimulation.run(seed, null);
            violations.addAll(result.violations());
            total.add(result.stats());
        }
        final String line = "LOCK-SIMULATION seeds=" + seeds + " violations=" + violations.size();
        System.out.println(line);
        System.out.println("lock simulation: seedStart=" + seedStart + " " + total);
        violations.stream().limit(20).forEach(System.out::println);

        assertThat(violations).as(line).isEmpty();
        assertThat(total.lateGrants).as("grants through the queue").isGreaterThan(seeds * 5L);
        assertThat(total.expiriesWhileHolding).as("sessions that expired holding a lock").isGreaterThan(0);
        assertThat(total.staleWritesRefused).as("stale fenced writes refused").isGreaterThan(0);
        assertThat(total.ownershipLost).as("ownership lost reported").isGreaterThan(0);
        assertThat(total.timeouts).as("waits timed out").isGreaterThan(0);
        assertThat(total.retriesAnsweredFromCache).as("retries answered exactly once").isGreaterThan(0);
    }

    @ParameterizedTest
    @EnumSource(LyingLockTable.Bug.class)
    void aPlantedBugIsReported(final LyingLockTable.Bug bug)
    {
        final List<String> violations = new ArrayList<>();
        for (long seed = 1; seed <= 5; seed++)
        {
            violations.addAll(LockSimulation.run(seed, bug).violations());
        }
        System.out.println(
            "lock simulation with planted bug " + bug + ": 5 seeds, " + violations.size() + " violations");
        final String expected = switch (bug)
        {
            case RELEASE_WITHOUT_HAND_OFF -> "waiter stuck";
            case REUSE_TOKEN -> "not above the previous";
            case GRANT_WHILE_HELD -> "two holders";
            case FENCE_ACCEPTS_OLDER_TOKENS -> "stale write accepted";
        };
        assertThat(violations).as(bug.name()).anyMatch(violation -> violation.contains(expected));
    }
}
