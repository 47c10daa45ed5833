package dev.grid.consensus.sim;

import dev.grid.consensus.RaftNode;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What one simulated run does: the cluster, its timers, the network's misbehaviour, the faults and how long.
 * Every random choice is drawn from the run's seed, so a seed and a config replay exactly.
 */
public final class SimConfig
{
    public int nodes = 3;
    public int clients = 4;
    public int registers = 4;
    public long faultPhaseNs = TimeUnit.SECONDS.toNanos(12);
    public long livenessWindowNs = TimeUnit.SECONDS.toNanos(8);
    public long tickIntervalNs = TimeUnit.MILLISECONDS.toNanos(10);
    public long electionTimeoutMinNs = TimeUnit.MILLISECONDS.toNanos(300);
    public long electionTimeoutMaxNs = TimeUnit.MILLISECONDS.toNanos(600);
    public long heartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(50);
    public long snapshotThresholdEntries = 64;
    public long snapshotRetainEntries = 8;
    public int snapshotChunkBytes = 128;
    public int maxBatchBytes = 512;
    public int maxInflightAppends = 4;
    public int maxSessions = 16;
    public int responsesPerSession = 4;
    public long sessionTimeoutNs = TimeUnit.SECONDS.toNanos(5);

    /** The most a message may be delayed in normal operation; a few are delayed far longer (reordering). */
    public long maxDelayNs = TimeUnit.MILLISECONDS.toNanos(20);
    public long longDelayNs = TimeUnit.MILLISECONDS.toNanos(400);
    public double longDelayProbability = 0.02;
    /** Upper bounds: each run draws its loss and duplication rates below these. */
    public double maxLossProbability = 0.08;
    public double maxDuplicateProbability = 0.05;
    /** Mean time between faults (partition, crash, pause, skew, leadership transfer). */
    public long meanFaultIntervalNs = TimeUnit.MILLISECONDS.toNanos(400);
    public long maxClockOffsetNs = TimeUnit.SECONDS.toNanos(5);
    public long clientAttemptTimeoutNs = TimeUnit.MILLISECONDS.toNanos(800);
    public long clientThinkTimeNs = TimeUnit.MILLISECONDS.toNanos(30);
    /** After the faults heal, every client must finish its operation and a leader must lead within this. */
    public long livenessBoundNs = TimeUnit.SECONDS.toNanos(7);
    public long linearizabilityMaxSteps = 2_000_000;
    /** Applied to every node's context after the harness configured it: planted bugs, other timers. */
    public Consumer<RaftNode.Context> customizer = ctx -> {};

    /**
     * @return the usual config for the seed: odd seeds run 5 nodes, even seeds 3.
     */
    public static SimConfig forSeed(final long seed)
    {
        final SimConfig config = new SimConfig();
        if ((seed & 1) == 1)
        {
            config.nodes = 5;
            config.clients = 5;
        }
        return config;
    }

    public SimConfig customizer(final Consumer<RaftNode.Context> customizer)
    {
        this.customizer = customizer;
        return this;
    }
}
