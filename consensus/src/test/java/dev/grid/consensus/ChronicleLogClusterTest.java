package dev.grid.consensus;

import dev.grid.consensus.sim.LoopbackCluster;
import dev.grid.consensus.sim.RegisterCommands;
import dev.grid.consensus.sim.RegisterSimulation;
import dev.grid.consensus.sim.RegisterStateMachine;
import dev.grid.core.StateMachine;
import dev.grid.log.ChronicleRaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same node on disk: a 3-node cluster whose logs are {@link ChronicleRaftLog}s (BATCH sync) and whose snapshots
 * are {@link FileSnapshotStore}s replicates, snapshots and compacts, restarts a node from its files, and brings a
 * follower behind the compaction point up to date with InstallSnapshot and {@code RaftLog.reset}.
 */
class ChronicleLogClusterTest
{
    private static final long MS = 1_000_000L;

    @TempDir
    Path directory;

    @Test
    void replicatesRestartsAndInstallsSnapshotsOnChronicleLogs()
    {
        final LoopbackCluster cluster = new LoopbackCluster(3,
            index -> ChronicleRaftLog.open(new ChronicleRaftLog.Context()
                .directory(directory.resolve("node-" + index))
                .syncPolicy(SyncPolicy.BATCH)
                .segmentLength(4 * 1024 * 1024)
                .blockSize(4 * 1024 * 1024)
                .maxEntryLength(64 * 1024)),
            index -> new FileSnapshotStore(directory.resolve("node-" + index).resolve("snapshots")),
            nodeId -> Map.<Integer, StateMachine>of(RegisterSimulation.REGISTER_SERVICE_ID,
            new RegisterStateMachine(4)),
            ctx -> ctx.electionTimeoutMinNs(300 * MS).electionTimeoutMaxNs(600 * MS).heartbeatIntervalNs(50 * MS)
                .snapshotThresholdEntries(40).snapshotRetainEntries(5));
        try
        {
            final int leader = cluster.awaitLeader(5_000 * MS);
            final long session = cluster.openSession(leader, 1);
            final int restarted = (leader + 1) % 3;
            final int lagging = (leader + 2) % 3;
            long sequence = 0;
            for (; sequence < 60; sequence++)
            {
                write(cluster, leader, session, sequence + 1);
            }
            cluster.isolate(lagging);
            for (; sequence < 100; sequence++)
            {
                write(cluster, leader, session, sequence + 1);
            }
            cluster.crash(restarted);
            cluster.restart(restarted);
            assertThat(cluster.node(restarted).appliedIndex()).as("recovered its snapshot from disk").isPositive();
            cluster.advance(60 * MS);
            cluster.advance(60 * MS);
            for (; sequence < 150; sequence++)
            {
                write(cluster, leader, session, sequence + 1);
            }
            assertThat(cluster.log(leader).firstIndex()).isGreaterThan(cluster.log(lagging).lastIndex() + 1);
            cluster.heal();
            for (int i = 0; i < 6; i++)
            {
                cluster.advance(60 * MS);
            }

            assertThat(cluster.log(leader).firstIndex()).as("compacted").isGreaterThan(100);
            assertThat(cluster.node(lagging).snapshotsInstalled()).isEqualTo(1);
            for (int i = 0; i < 3; i++)
            {
                final RegisterStateMachine registers =
                    (RegisterStateMachine)cluster.service(i, RegisterSimulation.REGISTER_SERVICE_ID);
                assertThat(cluster.node(i).appliedIndex()).isEqualTo(cluster.node(leader).commitIndex());
                assertThat(registers.checksum()).isEqualTo(((RegisterStateMachine)cluster.service(leader,
                    RegisterSimulation.REGISTER_SERVICE_ID)).checksum());
                assertThat(cluster.node(i).sessionChecksum()).isEqualTo(cluster.node(leader).sessionChecksum());
            }
        }
        finally
        {
            cluster.closeLogs();
        }
    }

    private static void write(final LoopbackCluster cluster, final int leader, final long session, final long sequence)
    {
        final UnsafeBuffer command = new UnsafeBuffer(new byte[RegisterCommands.COMMAND_LENGTH]);
        RegisterCommands.writeCommand(command, 0, RegisterCommands.OP_WRITE, (int)(sequence & 3), sequence, 0);
        assertThat(cluster.node(leader).propose(RegisterSimulation.REGISTER_SERVICE_ID, session, sequence, command, 0,
            command.capacity())).isEqualTo(Status.OK);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastStatus).isEqualTo(Status.OK);
    }
}
