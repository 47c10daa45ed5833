package dev.grid.consensus;

import dev.grid.consensus.sim.LinearizabilityChecker;
import dev.grid.consensus.sim.RegisterSimulation;
import dev.grid.consensus.sim.SimConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole-cluster simulation over a range of seeds (system properties {@code grid.sim.seedStart} and
 * {@code grid.sim.seeds}; {@code -Psoak} runs 20,000). Odd seeds run 5 nodes, even seeds 3. A failing seed prints
 * the command that replays it alone.
 */
class RaftSimulationTest
{
    static final String SEED_START_PROP_NAME = "grid.sim.seedStart";
    static final String SEEDS_PROP_NAME = "grid.sim.seeds";
    static final long DEFAULT_SEEDS = 4000;

    @Test
    void everySeedKeepsRaftSafeLinearizableAndLive()
    {
        final long seedStart = Long.getLong(SEED_START_PROP_NAME, 1);
        final long seeds = Long.getLong(SEEDS_PROP_NAME, DEFAULT_SEEDS);
        final List<RegisterSimulation.Result> failures = new ArrayList<>();
        long operations = 0;
        long completed = 0;
        long entries = 0;
        long crashes = 0;
        long unknown = 0;
        final long started = System.nanoTime();
        for (long seed = seedStart; seed < seedStart + seeds; seed++)
        {
            final RegisterSimulation.Result result = RegisterSimulation.run(seed, SimConfig.forSeed(seed));
            operations += result.operations;
            completed += result.completedOperations;
            entries += result.entriesApplied;
            crashes += result.crashes;
            if (result.linearizability == LinearizabilityChecker.Result.UNKNOWN)
            {
                unknown++;
            }
            if (result.failed())
            {
                failures.add(result);
                System.out.println("RAFT-SIMULATION FAILED " + result);
                System.out.println("  faults: " + result.faultLog);
                System.out.println("  replay: " + replayCommand(seed));
            }
        }
        final long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        System.out.println("RAFT-SIMULATION seeds=" + seeds + " violations=" + failures.size() + " (seeds " +
            seedStart + ".." + (seedStart + seeds - 1) + ", " + operations + " client operations, " + completed +
            " completed, " + entries + " entries applied, " + crashes + " crashes, " + unknown +
            " linearizability searches over their bound, " + elapsedMs + " ms)");
        assertThat(failures).as("failing seeds").isEmpty();
        assertThat(completed).as("client operations completed").isGreaterThan(seeds * 50);
    }

    static String replayCommand(final long seed)
    {
        return "mvn -B -q -pl consensus -am verify -Dtest=RaftSimulationTest -Dsurefire.failIfNoSpecifiedTests=false " +
            "-D" + SEED_START_PROP_NAME + "=" + seed + " -D" + SEEDS_PROP_NAME + "=1";
    }
}
