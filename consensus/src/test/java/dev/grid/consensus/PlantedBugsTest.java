package dev.grid.consensus;

import dev.grid.consensus.sim.RegisterSimulation;
import dev.grid.consensus.sim.SimConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulation has teeth: each classic Raft bug, planted through the test-only {@link RaftFaults} hook, is found
 * within the default seed budget, and the correct implementation passes the same seeds (RaftSimulationTest).
 */
class PlantedBugsTest
{
    enum PlantedBug implements RaftFaults
    {
        /** Votes granted without checking that the candidate's log is at least as up to date. */
        VOTE_WITHOUT_UP_TO_DATE_CHECK
        {
            public boolean skipLogUpToDateCheck()
            {
                return true;
            }
        },
        /** A vote kept only in memory: after a crash the node votes again in the same term. */
        VOTE_NOT_PERSISTED
        {
            public boolean skipVotePersistence()
            {
                return true;
            }
        },
        /** Followers acknowledge entries before syncing them: a crash loses acknowledged, committed entries. */
        ACKNOWLEDGE_BEFORE_SYNC
        {
            public boolean acknowledgeBeforeSync()
            {
                return true;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(PlantedBug.class)
    void simulationFindsThePlantedBug(final PlantedBug bug)
    {
        final long seedStart = 1;
        final long budget = RaftSimulationTest.DEFAULT_SEEDS;
        RegisterSimulation.Result found = null;
        long seed = seedStart;
        for (; seed < seedStart + budget && null == found; seed++)
        {
            final RegisterSimulation.Result result =
                RegisterSimulation.run(seed, SimConfig.forSeed(seed).customizer(ctx -> ctx.faults(bug)));
            if (result.failed())
            {
                found = result;
            }
        }
        System.out.println("PLANTED-BUG " + bug + ": " + (null == found ? "NOT FOUND in " + budget + " seeds" :
            "found by seed " + found.seed + " after " + (seed - seedStart) + " seeds: " + found.violations.get(0)));
        assertThat(found).as(bug + " must be caught within " + budget + " seeds").isNotNull();
    }
}
