package dev.grid.consensus;

import dev.grid.consensus.sim.LoopbackCluster;
import dev.grid.consensus.sim.RegisterCommands;
import dev.grid.consensus.sim.RegisterStateMachine;
import dev.grid.core.StateMachine;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scripted scenarios on a 3-node {@link LoopbackCluster}: replication, sessions and exactly-once answers, ReadIndex,
 * check-quorum, pre-vote, leadership transfer, snapshots, restarts and leader timestamps.
 */
class RaftClusterTest
{
    private static final int REGISTERS = 1;
    private static final int RECORDER = 2;
    private static final long MS = 1_000_000L;

    private static LoopbackCluster cluster(final Consumer<RaftNode.Context> customizer)
    {
        return new LoopbackCluster(3,
            nodeId -> Map.<Integer, StateMachine>of(REGISTERS, new RegisterStateMachine(4), RECORDER,
            new RecordingService(RECORDER)),
            ctx ->
            {
                ctx.electionTimeoutMinNs(300 * MS).electionTimeoutMaxNs(600 * MS).heartbeatIntervalNs(50 * MS);
                customizer.accept(ctx);
            });
    }

    private static Status write(final RaftNode node, final long session, final long sequence, final long value)
    {
        final UnsafeBuffer command = new UnsafeBuffer(new byte[RegisterCommands.COMMAND_LENGTH]);
        RegisterCommands.writeCommand(command, 0, RegisterCommands.OP_WRITE, 0, value, 0);
        return node.propose(REGISTERS, session, sequence, command, 0, command.capacity());
    }

    private static Status recorderCommand(final RaftNode node, final long session, final long sequence, final char op)
    {
        final UnsafeBuffer command = new UnsafeBuffer(new byte[]{ (byte)op });
        return node.propose(RECORDER, session, sequence, command, 0, 1);
    }

    private static RegisterStateMachine registers(final LoopbackCluster cluster, final int node)
    {
        return (RegisterStateMachine)cluster.service(node, REGISTERS);
    }

    private static RecordingService recorder(final LoopbackCluster cluster, final int node)
    {
        return (RecordingService)cluster.service(node, RECORDER);
    }

    private static int follower(final int leader, final int nth)
    {
        return (leader + nth) % 3;
    }

    @Test
    void electsOneLeaderThatCommitsANoopEverywhere()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        cluster.advance(100 * MS);
        int leaders = 0;
        for (int i = 0; i < 3; i++)
        {
            leaders += cluster.node(i).role() == RaftRole.LEADER ? 1 : 0;
            assertThat(cluster.node(i).leaderId()).isEqualTo(cluster.node(leader).nodeId());
            assertThat(cluster.node(i).term()).isEqualTo(cluster.node(leader).term());
            assertThat(cluster.node(i).appliedIndex()).isEqualTo(cluster.node(leader).log().lastIndex());
        }
        assertThat(leaders).isEqualTo(1);
        assertThat(recorder(cluster, follower(leader, 1)).logTimeCalls).as("onLogTime for the no-op").isEqualTo(1);
    }

    @Test
    void commandIsAppliedOnEveryNodeAndAnsweredByTheLeader()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(leader, 77);
        assertThat(write(cluster.node(leader), session, 1, 42)).isEqualTo(Status.OK);
        assertThat(write(cluster.node(follower(leader, 1)), session, 1, 42)).isEqualTo(Status.NOT_LEADER);
        cluster.runUntilQuiet();
        cluster.advance(60 * MS);

        final LoopbackCluster.Recorder answers = cluster.egress(leader);
        assertThat(answers.lastStatus).isEqualTo(Status.OK);
        assertThat(answers.lastSessionId).isEqualTo(session);
        assertThat(answers.lastSequence).isEqualTo(1);
        assertThat(RegisterCommands.value(answers.lastResponse, 0)).isEqualTo(42);
        assertThat(cluster.egress(follower(leader, 1)).responses).as("followers answer nobody").isZero();
        for (int i = 0; i < 3; i++)
        {
            assertThat(registers(cluster, i).read(0)).isEqualTo(42);
            assertThat(registers(cluster, i).checksum()).isEqualTo(registers(cluster, leader).checksum());
            assertThat(cluster.node(i).sessionChecksum()).isEqualTo(cluster.node(leader).sessionChecksum());
            assertThat(recorder(cluster, i).logTimeCalls).as("onLogTime for every applied entry")
                .isEqualTo(cluster.node(i).appliedIndex());
        }
    }

    @Test
    void retryWithTheSameSequenceGetsTheCachedAnswerWithoutApplyingAgain()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(leader, 1);
        write(cluster.node(leader), session, 1, 5);
        cluster.runUntilQuiet();
        final long firstIndex = cluster.egress(leader).lastLogIndex;
        write(cluster.node(leader), session, 2, 6);
        cluster.runUntilQuiet();
        final long appliedBefore = registers(cluster, leader).appliedCount();

        assertThat(write(cluster.node(leader), session, 1, 999)).isEqualTo(Status.OK);
        cluster.runUntilQuiet();
        cluster.advance(60 * MS);

        final LoopbackCluster.Recorder answers = cluster.egress(leader);
        assertThat(answers.lastSequence).isEqualTo(1);
        assertThat(answers.lastLogIndex).as("the original entry's index").isEqualTo(firstIndex);
        assertThat(RegisterCommands.value(answers.lastResponse, 0)).as("the original answer").isEqualTo(5);
        assertThat(registers(cluster, leader).appliedCount()).isEqualTo(appliedBefore);
        for (int i = 0; i < 3; i++)
        {
            assertThat(registers(cluster, i).read(0)).as("the retry was not applied").isEqualTo(6);
        }
    }

    @Test
    void requestOlderThanTheKeptResponsesIsRefusedNotApplied()
    {
        final LoopbackCluster cluster = cluster(ctx -> ctx.responsesPerSession(4));
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(leader, 1);
        for (int sequence = 1; sequence <= 5; sequence++)
        {
            write(cluster.node(leader), session, sequence, sequence);
            cluster.runUntilQuiet();
        }
        write(cluster.node(leader), session, 1, 100);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastStatus).isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(registers(cluster, leader).read(0)).isEqualTo(5);
    }

    @Test
    void commandOfAnUnknownSessionIsRefused()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        write(cluster.node(leader), 12345, 1, 7);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastStatus).isEqualTo(Status.UNKNOWN_SESSION);
        assertThat(registers(cluster, leader).appliedCount()).isZero();
        assertThat(cluster.node(leader).propose(99, 1, 1, new UnsafeBuffer(new byte[1]), 0, 1))
            .isEqualTo(Status.UNKNOWN_SERVICE);
        assertThat(write(cluster.node(leader), 1, 0, 7)).as("sequences start at 1").isEqualTo(Status.MALFORMED);
    }

    @Test
    void sessionBudgetIsFixedAndAFullTableRefusesOpens()
    {
        final LoopbackCluster cluster = cluster(ctx -> ctx.maxSessions(2));
        final int leader = cluster.awaitLeader(5_000 * MS);
        cluster.openSession(leader, 1);
        cluster.openSession(leader, 2);
        cluster.node(leader).openSession(3);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastOpenCorrelationId).isEqualTo(3);
        assertThat(cluster.egress(leader).lastOpenStatus).isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(cluster.egress(leader).lastOpenSessionId).isZero();
        assertThat(cluster.node(leader).sessionCount()).isEqualTo(2);
    }

    @Test
    void idleSessionExpiresInLogTimeAndServicesAreTold()
    {
        final LoopbackCluster cluster = cluster(ctx -> ctx.sessionTimeoutNs(1_000 * MS));
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long idle = cluster.openSession(leader, 1);
        final long busy = cluster.openSession(leader, 2);
        for (int i = 0; i < 8; i++)
        {
            cluster.advance(200 * MS);
            assertThat(cluster.node(leader).keepAlive(busy, 100 + i)).isEqualTo(Status.OK);
            cluster.runUntilQuiet();
        }
        cluster.advance(100 * MS);
        for (int i = 0; i < 3; i++)
        {
            assertThat(recorder(cluster, i).closedSessions).as("node " + i).containsExactly(idle);
            assertThat(cluster.node(i).sessionCount()).isEqualTo(1);
        }
        write(cluster.node(leader), idle, 1, 1);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastStatus).isEqualTo(Status.UNKNOWN_SESSION);
        write(cluster.node(leader), busy, 1, 1);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastStatus).isEqualTo(Status.OK);
    }

    @Test
    void closedSessionIsReleasedAndServicesAreTold()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(leader, 1);
        assertThat(cluster.node(leader).closeSession(session, 9)).isEqualTo(Status.OK);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastSequence).isEqualTo(9);
        assertThat(cluster.egress(leader).lastStatus).isEqualTo(Status.OK);
        assertThat(recorder(cluster, leader).closedSessions).containsExactly(session);
        cluster.node(leader).closeSession(session, 10);
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).lastStatus).isEqualTo(Status.UNKNOWN_SESSION);
    }

    @Test
    void lateAnswerReplacesThePendingOneForClientsAndRetries()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        for (int i = 0; i < 3; i++)
        {
            recorder(cluster, i).deferred = cluster.node(i).deferredResponses();
        }
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(leader, 1);
        recorderCommand(cluster.node(leader), session, 1, 'P');
        cluster.runUntilQuiet();
        final LoopbackCluster.Recorder answers = cluster.egress(leader);
        assertThat(answers.lastResponse.getByte(0)).isEqualTo((byte)'P');

        recorderCommand(cluster.node(leader), session, 2, 'R');
        cluster.runUntilQuiet();
        assertThat(answers.responses).as("'P', the late answer and the release's own").isEqualTo(3);

        recorderCommand(cluster.node(leader), session, 1, 'P');
        cluster.runUntilQuiet();
        assertThat(answers.lastSequence).isEqualTo(1);
        assertThat(answers.lastLength).isEqualTo(4);
        assertThat(answers.lastResponse.getStringWithoutLengthAscii(0, 4)).isEqualTo("DONE");
        cluster.advance(60 * MS);
        assertThat(cluster.node(follower(leader, 1)).sessionChecksum())
            .as("followers cached the late answer too").isEqualTo(cluster.node(leader).sessionChecksum());
    }

    @Test
    void readIndexIsServedAfterAHeartbeatRoundWithoutWritingTheLog()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long lastIndex = cluster.node(leader).log().lastIndex();
        final long delivered = cluster.delivered();
        assertThat(cluster.node(leader).read(5)).isEqualTo(Status.OK);
        assertThat(cluster.egress(leader).readsReady).as("not before a majority confirmed").isZero();
        cluster.runUntilQuiet();
        assertThat(cluster.egress(leader).readsReady).isEqualTo(1);
        assertThat(cluster.egress(leader).lastReadCorrelationId).isEqualTo(5);
        assertThat(cluster.egress(leader).lastReadIndex).isEqualTo(cluster.node(leader).commitIndex());
        assertThat(cluster.delivered()).as("a heartbeat round").isGreaterThan(delivered);
        assertThat(cluster.node(leader).log().lastIndex()).isEqualTo(lastIndex);
        assertThat(cluster.node(follower(leader, 1)).read(6)).isEqualTo(Status.NOT_LEADER);
    }

    @Test
    void isolatedLeaderStepsDownByCheckQuorumAndFailsItsReads()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long term = cluster.node(leader).term();
        cluster.isolate(leader);
        cluster.node(leader).read(1);
        for (int i = 0; i < 60 && cluster.node(leader).role() == RaftRole.LEADER; i++)
        {
            cluster.advance(10 * MS);
        }
        assertThat(cluster.node(leader).role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(cluster.nowNs()).isLessThan(5_000 * MS + 2 * 600 * MS);
        assertThat(cluster.egress(leader).readsReady).isZero();
        assertThat(cluster.egress(leader).readsFailed).isEqualTo(1);
        assertThat(cluster.egress(leader).lastReadFailure).isEqualTo(Status.NOT_LEADER);
        final int next = cluster.awaitLeader(5_000 * MS);
        assertThat(next).isNotEqualTo(leader);
        assertThat(cluster.node(next).term()).isGreaterThan(term);
    }

    @Test
    void preVoteKeepsARejoiningFollowerFromDisruptingTheLeader()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long term = cluster.node(leader).term();
        final int loner = follower(leader, 1);
        cluster.isolate(loner);
        for (int i = 0; i < 300; i++)
        {
            cluster.advance(10 * MS);
        }
        assertThat(cluster.node(loner).electionsStarted()).isZero();
        assertThat(cluster.node(loner).term()).as("pre-votes never won, so the term never rose").isEqualTo(term);
        cluster.heal();
        cluster.advance(100 * MS);
        assertThat(cluster.node(leader).role()).isEqualTo(RaftRole.LEADER);
        assertThat(cluster.node(leader).term()).isEqualTo(term);
        assertThat(cluster.node(loner).leaderId()).isEqualTo(cluster.node(leader).nodeId());
    }

    @Test
    void leadershipTransferHandsOverWithoutWaitingForATimeout()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long term = cluster.node(leader).term();
        final int target = follower(leader, 2);
        assertThat(cluster.node(leader).transferLeadership(cluster.node(target).nodeId())).isEqualTo(Status.OK);
        assertThat(write(cluster.node(leader), 1, 1, 1)).as("no proposals while handing over")
            .isEqualTo(Status.NOT_LEADER);
        cluster.runUntilQuiet();
        cluster.advance(10 * MS);
        assertThat(cluster.node(target).role()).isEqualTo(RaftRole.LEADER);
        assertThat(cluster.node(target).term()).isEqualTo(term + 1);
        assertThat(cluster.node(leader).role()).isEqualTo(RaftRole.FOLLOWER);
        assertThat(cluster.node(leader).transferLeadership(cluster.node(target).nodeId()))
            .isEqualTo(Status.NOT_LEADER);
    }

    @Test
    void followerBehindTheCompactionPointInstallsTheLeadersSnapshotInChunks()
    {
        final LoopbackCluster cluster = cluster(ctx -> ctx
            .snapshotThresholdEntries(50).snapshotRetainEntries(5).snapshotChunkBytes(64));
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(leader, 1);
        final int lagging = follower(leader, 1);
        cluster.isolate(lagging);
        for (int sequence = 1; sequence <= 300; sequence++)
        {
            write(cluster.node(leader), session, sequence, sequence);
            cluster.runUntilQuiet();
        }
        assertThat(cluster.node(leader).log().firstIndex()).isGreaterThan(cluster.node(lagging).log().lastIndex());
        cluster.heal();
        cluster.advance(60 * MS);
        cluster.advance(60 * MS);

        assertThat(cluster.node(lagging).snapshotsInstalled()).isEqualTo(1);
        assertThat(cluster.node(lagging).appliedIndex()).isEqualTo(cluster.node(leader).appliedIndex());
        assertThat(registers(cluster, lagging).read(0)).isEqualTo(300);
        assertThat(registers(cluster, lagging).checksum()).isEqualTo(registers(cluster, leader).checksum());
        assertThat(cluster.node(lagging).sessionChecksum()).isEqualTo(cluster.node(leader).sessionChecksum());
        assertThat(cluster.node(leader).snapshotsTaken()).isGreaterThanOrEqualTo(6);
        assertThat(cluster.node(leader).snapshotLength()).as("what a store reserves for the next snapshot")
            .isEqualTo(cluster.snapshots(leader).length());

        write(cluster.node(leader), session, 301, 301);
        cluster.runUntilQuiet();
        cluster.advance(60 * MS);
        assertThat(registers(cluster, lagging).read(0)).as("replicates after the install").isEqualTo(301);
    }

    @Test
    void crashedFollowerRecoversFromItsSnapshotAndLog()
    {
        final LoopbackCluster cluster = cluster(ctx -> ctx.snapshotThresholdEntries(20).snapshotRetainEntries(5));
        final int leader = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(leader, 1);
        for (int sequence = 1; sequence <= 45; sequence++)
        {
            write(cluster.node(leader), session, sequence, sequence);
            cluster.runUntilQuiet();
        }
        cluster.advance(60 * MS);
        final int crashed = follower(leader, 1);
        assertThat(cluster.snapshots(crashed).hasSnapshot()).isTrue();
        cluster.crash(crashed);
        write(cluster.node(leader), session, 46, 46);
        cluster.runUntilQuiet();
        cluster.restart(crashed);
        assertThat(cluster.node(crashed).appliedIndex()).as("restored from its snapshot")
            .isEqualTo(cluster.snapshots(crashed).index());
        for (int i = 0; i < 4; i++)
        {
            cluster.advance(60 * MS);
        }
        assertThat(cluster.node(crashed).appliedIndex()).isEqualTo(cluster.node(leader).appliedIndex());
        assertThat(registers(cluster, crashed).read(0)).isEqualTo(46);
        assertThat(cluster.node(crashed).sessionChecksum()).isEqualTo(cluster.node(leader).sessionChecksum());
    }

    @Test
    void leaderTimestampsNeverGoBackwardsWhenANewLeaderHasAnEarlierClock()
    {
        final LoopbackCluster cluster = cluster(ctx -> {});
        final int first = cluster.awaitLeader(5_000 * MS);
        final long session = cluster.openSession(first, 1);
        cluster.clockOffset(first, 3_600_000 * MS);
        cluster.advance(10 * MS);
        write(cluster.node(first), session, 1, 1);
        cluster.runUntilQuiet();
        cluster.advance(60 * MS);
        final long stamped = recorder(cluster, first).lastTimestamp;
        assertThat(stamped).isGreaterThan(3_600_000 * MS);

        cluster.isolate(first);
        for (int i = 0; i < 300 && (cluster.leaderIndex() == first || cluster.leaderIndex() < 0); i++)
        {
            cluster.advance(10 * MS);
        }
        final int second = cluster.leaderIndex();
        assertThat(second).isNotEqualTo(first).isNotNegative();
        cluster.advance(10 * MS);
        write(cluster.node(second), session, 2, 2);
        cluster.runUntilQuiet();
        for (int i = 0; i < 3; i++)
        {
            if (i != first)
            {
                assertThat(recorder(cluster, i).timeWentBackwards).as("node " + i).isFalse();
                assertThat(recorder(cluster, i).lastTimestamp).as("node " + i + " of " + second)
                    .isGreaterThanOrEqualTo(stamped);
            }
        }
    }
}
