package dev.grid.consensus.sim;

import dev.grid.core.StateMachine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One seeded run of a register cluster: nodes, clients, faults, then every checker, the linearizability of the
 * clients' history included.
 */
public final class RegisterSimulation
{
    public static final int REGISTER_SERVICE_ID = 1;

    private RegisterSimulation()
    {
    }

    /** What a run found. */
    public static final class Result
    {
        public final long seed;
        public final int nodes;
        public final List<String> violations;
        public final List<String> faultLog;
        public final long operations;
        public final long completedOperations;
        public final long entriesApplied;
        public final long crashes;
        public final LinearizabilityChecker.Result linearizability;

        Result(final long seed, final int nodes, final List<String> violations, final List<String> faultLog,
            final long operations, final long completedOperations, final long entriesApplied, final long crashes,
            final LinearizabilityChecker.Result linearizability)
        {
            this.seed = seed;
            this.nodes = nodes;
            this.violations = violations;
            this.faultLog = faultLog;
            this.operations = operations;
            this.completedOperations = completedOperations;
            this.entriesApplied = entriesApplied;
            this.crashes = crashes;
            this.linearizability = linearizability;
        }

        public boolean failed()
        {
            return !violations.isEmpty();
        }

        public String toString()
        {
            return "seed " + seed + " (" + nodes + " nodes): " + operations + " operations (" + completedOperations +
                " completed), " + entriesApplied + " entries applied, " + crashes + " crashes, linearizability " +
                linearizability + (violations.isEmpty() ? "" : ", violations " + violations);
        }
    }

    public static Result run(final long seed, final SimConfig config)
    {
        final SafetyChecker checker = new SafetyChecker();
        final SimulatedCluster cluster = new SimulatedCluster(config, seed,
            nodeId -> Map.<Integer, StateMachine>of(REGISTER_SERVICE_ID, new RegisterStateMachine(config.registers)),
            checker);
        final List<LinearizabilityChecker.Operation> history = new ArrayList<>();
        for (int c = 0; c < config.clients; c++)
        {
            cluster.addClient(new RegisterClient(c, history));
        }
        cluster.run();

        final List<String> violations = new ArrayList<>(checker.violations());
        LinearizabilityChecker.Result linearizability = LinearizabilityChecker.Result.UNKNOWN;
        if (violations.isEmpty())
        {
            linearizability = LinearizabilityChecker.check(history, LinearizabilityChecker.REGISTER,
                config.linearizabilityMaxSteps);
            if (linearizability == LinearizabilityChecker.Result.NOT_LINEARIZABLE)
            {
                if (Boolean.getBoolean("grid.sim.debug"))
                {
                    for (final int key : LinearizabilityChecker.failingKeys(history, LinearizabilityChecker.REGISTER,
                        config.linearizabilityMaxSteps))
                    {
                        history.stream().filter(op -> op.key == key)
                            .sorted((a, b) -> Long.compare(a.callNs, b.callNs))
                            .forEach(op -> System.out.println("  key " + key + ": " + op));
                    }
                }
                violations.add("linearizability: the clients' history is not linearizable for keys " +
                    LinearizabilityChecker.failingKeys(history, LinearizabilityChecker.REGISTER,
                    config.linearizabilityMaxSteps));
            }
        }
        long completedOperations = 0;
        for (final LinearizabilityChecker.Operation op : history)
        {
            if (op.outputKnown)
            {
                completedOperations++;
            }
        }
        return new Result(seed, config.nodes, violations, cluster.faultLog(), history.size(), completedOperations,
            checker.entriesApplied(), cluster.crashes(), linearizability);
    }
}
