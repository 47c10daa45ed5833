package dev.grid.consensus;

import dev.grid.consensus.sim.LoopbackCluster;
import dev.grid.consensus.sim.RegisterCommands;
import dev.grid.consensus.sim.RegisterSimulation;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consensus path allocates nothing in steady state. A warmed-up 3-node {@link LoopbackCluster} (in-memory logs
 * with BATCH sync, ring buffers between the nodes, nothing else) is driven through many proposals by this thread:
 * propose at the leader, flush (sync, replicate), deliver, commit, apply on every node, answer the client, with
 * heartbeats, ReadIndex reads, snapshots and log compaction along the way. What this thread allocates while doing so
 * is read from {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes}. The harness itself allocates nothing
 * once its ring buffers have grown, so the bytes measured are the consensus path's.
 */
class SteadyStateAllocationTest
{
    private static final int WARM_UP_OPERATIONS = 150_000;
    private static final int MAX_ROUNDS = 3;
    private static final int MEASURED_OPERATIONS = 50_000;

    @Test
    void replicateCommitApplyAndAnswerAllocateNothing()
    {
        final LoopbackCluster cluster = LoopbackCluster.ofRegisters(3, ctx -> ctx
            .snapshotThresholdEntries(2_000)
            .snapshotRetainEntries(500));
        final int leader = cluster.awaitLeader(10_000_000_000L);
        final long sessionId = cluster.openSession(leader, 1);
        final UnsafeBuffer command = new UnsafeBuffer(ByteBuffer.allocateDirect(RegisterCommands.COMMAND_LENGTH));
        final Driver driver = new Driver(cluster, leader, sessionId, command);

        driver.run(WARM_UP_OPERATIONS);
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final long responsesBefore = cluster.egress(leader).responses;
        final long readsBefore = cluster.egress(leader).readsReady;
        final long snapshotsBefore = cluster.node(leader).snapshotsTaken();
        // The JIT may still compile a rarely taken path (snapshots come every 2,000 entries) in the first round and
        // rematerialise an object on a deoptimisation; a real allocation per operation shows in every round.
        long allocated = Long.MAX_VALUE;
        int rounds = 0;
        while (rounds < MAX_ROUNDS && allocated >= 1024)
        {
            final long before = threads.getThreadAllocatedBytes(threadId);
            driver.run(MEASURED_OPERATIONS);
            allocated = threads.getThreadAllocatedBytes(threadId) - before;
            rounds++;
            System.out.println("CONSENSUS-ALLOCATION round=" + rounds + " operations=" + MEASURED_OPERATIONS +
                " allocatedBytes=" + allocated + " bytesPerOperation=" + (double)allocated / MEASURED_OPERATIONS);
        }
        cluster.advance(100_000_000L);

        assertThat(cluster.node(leader).role()).isEqualTo(RaftRole.LEADER);
        assertThat(cluster.egress(leader).responses - responsesBefore).isEqualTo((long)rounds * MEASURED_OPERATIONS);
        assertThat(cluster.egress(leader).readsReady - readsBefore).isEqualTo((long)rounds * MEASURED_OPERATIONS / 10);
        assertThat(cluster.node(leader).snapshotsTaken() - snapshotsBefore).as("snapshots while measuring")
            .isGreaterThan(5);
        for (int i = 0; i < 3; i++)
        {
            assertThat(cluster.node(i).appliedIndex()).isEqualTo(cluster.node(leader).commitIndex());
        }
        assertThat(allocated).as("bytes allocated by " + MEASURED_OPERATIONS + " operations").isLessThan(1024);
    }

    private static final class Driver
    {
        private final LoopbackCluster cluster;
        private final RaftNode leader;
        private final long sessionId;
        private final UnsafeBuffer command;
        private long sequence;

        Driver(final LoopbackCluster cluster, final int leader, final long sessionId, final UnsafeBuffer command)
        {
            this.cluster = cluster;
            this.leader = cluster.node(leader);
            this.sessionId = sessionId;
            this.command = command;
        }

        void run(final int operations)
        {
            for (int i = 0; i < operations; i++)
            {
                sequence++;
                RegisterCommands.writeCommand(command, 0, RegisterCommands.OP_WRITE, (int)(sequence & 3), sequence, 0);
                final Status status = leader.propose(RegisterSimulation.REGISTER_SERVICE_ID, sessionId, sequence,
                    command, 0, RegisterCommands.COMMAND_LENGTH);
                if (status != Status.OK)
                {
                    throw new AssertionError("proposal refused: " + status);
                }
                if (i % 10 == 0 && leader.read(sequence) != Status.OK)
                {
                    throw new AssertionError("read refused");
                }
                cluster.runUntilQuiet();
                if (i % 100 == 0)
                {
                    cluster.advance(1_000_000L);
                }
            }
        }
    }
}
