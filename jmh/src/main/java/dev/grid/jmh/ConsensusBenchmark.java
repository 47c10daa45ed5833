package dev.grid.jmh;

import dev.grid.consensus.InMemorySnapshotStore;
import dev.grid.consensus.RaftNode;
import dev.grid.consensus.SplitMixRandom;
import dev.grid.consensus.sim.LoopbackCluster;
import dev.grid.consensus.sim.RegisterCommands;
import dev.grid.consensus.sim.RegisterSimulation;
import dev.grid.consensus.sim.RegisterStateMachine;
import dev.grid.core.LogEntryWriter;
import dev.grid.log.InMemoryRaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.sbe.AppendEntriesEncoder;
import dev.grid.sbe.EntryType;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The consensus path in one thread, with in-memory logs (BATCH sync) and no transport, so that
 * {@code -prof gc} shows what Raft itself allocates (the claim: 0 B/op) and the times show its CPU cost.
 * <ul>
 *     <li>{@code proposeToCommit}: the leader of a 3-node {@link LoopbackCluster} appends one register write,
 *     syncs, replicates it, both followers append, sync and answer, the leader commits, applies and answers the
 *     client; heartbeats, snapshots and compaction run along.</li>
 *     <li>{@code followerAppendEntriesBatch}: a follower handles one AppendEntries of 16 register commands
 *     (verify, append, sync, answer, apply the previous batch); the time includes encoding the batch.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConsensusBenchmark
{
    @State(Scope.Benchmark)
    public static class ClusterState
    {
        LoopbackCluster cluster;
        RaftNode leader;
        long sessionId;
        long sequence;
        final UnsafeBuffer command = new UnsafeBuffer(ByteBuffer.allocateDirect(RegisterCommands.COMMAND_LENGTH));

        @Setup
        public void setUp()
        {
            cluster = LoopbackCluster.ofRegisters(3, ctx -> ctx.snapshotThresholdEntries(20_000)
                .snapshotRetainEntries(1_000));
            final int leaderIndex = cluster.awaitLeader(10_000_000_000L);
            leader = cluster.node(leaderIndex);
            sessionId = cluster.openSession(leaderIndex, 1);
        }
    }

    @Benchmark
    public long proposeToCommit(final ClusterState state)
    {
        final long sequence = ++state.sequence;
        RegisterCommands.writeCommand(state.command, 0, RegisterCommands.OP_WRITE, (int)(sequence & 3), sequence, 0);
        final Status status = state.leader.propose(RegisterSimulation.REGISTER_SERVICE_ID, state.sessionId, sequence,
            state.command, 0, RegisterCommands.COMMAND_LENGTH);
        if (status != Status.OK)
        {
            throw new IllegalStateException("proposal refused: " + status);
        }
        state.cluster.runUntilQuiet();
        if ((sequence & 1023) == 0)
        {
            state.cluster.advance(1_000_000L);
        }
        return state.leader.commitIndex();
    }

    @State(Scope.Benchmark)
    public static class FollowerState
    {
        static final int BATCH = 16;
        static final long TERM = 1;
        static final int LEADER_ID = 2;

        final InMemoryRaftLog log = new InMemoryRaftLog(SyncPolicy.BATCH);
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
        final UnsafeBuffer command = new UnsafeBuffer(ByteBuffer.allocateDirect(RegisterCommands.COMMAND_LENGTH));
        final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
        final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
        final AppendEntriesEncoder appendEncoder = new AppendEntriesEncoder();
        final LogEntryWriter entryWriter = new LogEntryWriter();
        RaftNode follower;
        long lastIndex;
        long timestamp;
        long sequence;

        @Setup
        public void setUp()
        {
            follower = new RaftNode(new RaftNode.Context()
                .nodeId(1)
                .members(1, 2, 3)
                .log(log)
                .snapshotStore(new InMemorySnapshotStore())
                .random(new SplitMixRandom(1))
                .outbox((to, buffer, offset, length) -> {})
                .egress(new LoopbackCluster.Recorder())
                .snapshotThresholdEntries(20_000)
                .snapshotRetainEntries(1_000)
                .service(RegisterSimulation.REGISTER_SERVICE_ID, new RegisterStateMachine(4)));
            follower.tick(0);
            final int length = encode(EntryType.SESSION_OPEN, 1);
            follower.step(message, 0, length);
        }

        /**
         * Encodes the next AppendEntries: {@code count} entries after the follower's last, committing the previous
         * batch.
         */
        int encode(final EntryType type, final int count)
        {
            appendEncoder.wrapAndApplyHeader(message, 0, headerEncoder)
                .term(TERM)
                .leaderId(LEADER_ID)
                .prevLogIndex(lastIndex)
                .prevLogTerm(0 == lastIndex ? 0 : TERM)
                .leaderCommit(lastIndex)
                .readRound(0)
                .putEntries(empty, 0, 0);
            final int lengthOffset = appendEncoder.limit() - AppendEntriesEncoder.entriesHeaderLength();
            int position = appendEncoder.limit();
            for (int i = 0; i < count; i++)
            {
                sequence++;
                RegisterCommands.writeCommand(command, 0, RegisterCommands.OP_WRITE, (int)(sequence & 3), sequence, 0);
                final boolean isCommand = type == EntryType.COMMAND;
                position += entryWriter.write(message, position, TERM, ++lastIndex, ++timestamp, type,
                    RegisterSimulation.REGISTER_SERVICE_ID, 1, sequence, isCommand ? command : empty, 0,
                    isCommand ? RegisterCommands.COMMAND_LENGTH : 0);
            }
            message.putInt(lengthOffset, position - lengthOffset - AppendEntriesEncoder.entriesHeaderLength(),
                ByteOrder.LITTLE_ENDIAN);
            return position;
        }
    }

    @Benchmark
    public long followerAppendEntriesBatch(final FollowerState state)
    {
        final int length = state.encode(EntryType.COMMAND, FollowerState.BATCH);
        state.follower.step(state.message, 0, length);
        return state.follower.commitIndex();
    }
}
