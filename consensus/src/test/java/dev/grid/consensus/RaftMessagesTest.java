package dev.grid.consensus;

import dev.grid.sbe.AppendEntriesDecoder;
import dev.grid.sbe.AppendEntriesResponseDecoder;
import dev.grid.sbe.RaftFlag;
import dev.grid.sbe.RequestVoteDecoder;
import dev.grid.sbe.RequestVoteResponseDecoder;
import dev.grid.sbe.Status;
import dev.grid.sbe.VoteKind;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One real node with scripted peers: exact message sequences for the rules that a random simulation reaches only
 * by luck, and malformed input.
 */
class RaftMessagesTest
{
    private static final long MS = 1_000_000L;

    @Test
    void malformedPeerMessagesAreDroppedAndCountedWithoutChangingAnything()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> {});
        final RaftNode node = scripted.node;
        final ExpandableArrayBuffer buffer = scripted.buffer();
        scripted.step(buffer, scripted.append(1, 0, 0, 0, 1, 1));
        assertThat(node.log().lastIndex()).isEqualTo(2);
        final long term = node.term();
        long malformed = node.malformedMessageCount();

        final UnsafeBuffer garbage = new UnsafeBuffer(new byte[]{ 1, 2, 3 });
        node.step(garbage, 0, 3);
        assertThat(node.malformedMessageCount()).as("too short").isEqualTo(++malformed);

        int length = scripted.append(1, 2, 1, 0, 1);
        node.step(buffer, 0, length - 10);
        assertThat(node.malformedMessageCount()).as("truncated").isEqualTo(++malformed);

        length = scripted.voteRequest(2, 5, 9, 1, VoteKind.VOTE);
        buffer.putShort(4, (short)999);
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("wrong schema").isEqualTo(++malformed);

        length = scripted.voteRequest(2, 5, 9, 1, VoteKind.VOTE);
        buffer.putByte(8 + RequestVoteDecoder.voteKindEncodingOffset(), (byte)7);
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("undefined enum value").isEqualTo(++malformed);

        length = scripted.voteRequest(9, 5, 9, 1, VoteKind.VOTE);
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("not a member").isEqualTo(++malformed);

        length = scripted.voteRequest(1, 5, 9, 1, VoteKind.VOTE);
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("from itself").isEqualTo(++malformed);

        length = scripted.voteRequest(2, -5, 9, 1, VoteKind.VOTE);
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("negative term").isEqualTo(++malformed);

        length = scripted.append(1, 2, 1, 0, 1, 1);
        buffer.putByte(length - 1, (byte)(buffer.getByte(length - 1) ^ 0x40));
        buffer.putByte(length - 30, (byte)(buffer.getByte(length - 30) ^ 0x01));
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("entry checksum").isEqualTo(++malformed);

        length = scripted.append(1, 3, 1, 0, 1);
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("entry index does not follow prevLogIndex")
            .isEqualTo(malformed);
        length = scripted.append(1, 2, 1, 0, 5);
        node.step(buffer, 0, length);
        assertThat(node.malformedMessageCount()).as("entry term above the message's").isEqualTo(++malformed);

        final ScriptedNode logEntryTemplate = new ScriptedNode(ctx -> {});
        final int entryLength = new dev.grid.core.LogEntryWriter().write(buffer, 0, 1, 1, 1,
            dev.grid.sbe.EntryType.NOOP, 0, 0, 0, new UnsafeBuffer(new byte[0]), 0, 0);
        logEntryTemplate.node.step(buffer, 0, entryLength);
        assertThat(logEntryTemplate.node.malformedMessageCount()).as("a log entry is not a peer message").isEqualTo(1);

        assertThat(node.term()).isEqualTo(term);
        assertThat(node.log().lastIndex()).isEqualTo(2);
        assertThat(node.role()).isEqualTo(RaftRole.FOLLOWER);
    }

    @Test
    void followerAnswersAConflictWithItsTermAndTheFirstIndexOfIt()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> {});
        final ExpandableArrayBuffer buffer = scripted.buffer();
        scripted.step(buffer, scripted.append(1, 0, 0, 0, 1, 1, 1));
        scripted.step(buffer, scripted.append(2, 3, 1, 0, 2, 2, 2, 2));
        assertThat(scripted.log.lastIndex()).isEqualTo(7);
        scripted.sent.clear();

        scripted.step(buffer, scripted.append(4, 7, 3, 0));
        AppendEntriesResponseDecoder response = scripted.sent.get(0).appendResponse();
        assertThat(response.success()).isEqualTo(RaftFlag.NO);
        assertThat(response.prevLogIndex()).isEqualTo(7);
        assertThat(response.conflictTerm()).isEqualTo(2);
        assertThat(response.conflictIndex()).as("first index of term 2").isEqualTo(4);

        scripted.sent.clear();
        scripted.step(buffer, scripted.append(4, 12, 3, 0));
        response = scripted.sent.get(0).appendResponse();
        assertThat(response.conflictTerm()).as("log too short").isZero();
        assertThat(response.conflictIndex()).isEqualTo(8);

        scripted.sent.clear();
        scripted.step(buffer, scripted.append(4, 3, 1, 5, 3, 3));
        response = scripted.sent.get(0).appendResponse();
        assertThat(response.success()).isEqualTo(RaftFlag.YES);
        assertThat(response.matchIndex()).isEqualTo(5);
        assertThat(scripted.log.lastIndex()).as("the conflicting suffix was truncated").isEqualTo(5);
        assertThat(scripted.log.termAt(5)).isEqualTo(3);
        assertThat(scripted.node.commitIndex()).isEqualTo(5);
    }

    @Test
    void leaderJumpsToTheFollowersHintInOneRoundTrip()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> {});
        final ExpandableArrayBuffer buffer = scripted.buffer();
        scripted.step(buffer, scripted.append(1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
        scripted.tick(2_000 * MS);
        scripted.step(buffer, scripted.voteResponse(2, scripted.node.term() + 1, VoteKind.PRE_VOTE, true));
        scripted.step(buffer, scripted.voteResponse(2, scripted.node.term(), VoteKind.VOTE, true));
        assertThat(scripted.node.role()).isEqualTo(RaftRole.LEADER);
        final ScriptedNode.Sent probe = scripted.sentOf(AppendEntriesDecoder.TEMPLATE_ID).stream()
            .filter(sent -> sent.to == 3).findFirst().orElseThrow();
        assertThat(probe.append().prevLogIndex()).isEqualTo(8);
        scripted.sent.clear();

        scripted.step(buffer, scripted.appendResponse(3, scripted.node.term(), false, 8, 0, 0, 3));
        final List<ScriptedNode.Sent> appends = scripted.sentOf(AppendEntriesDecoder.TEMPLATE_ID);
        assertThat(appends).hasSize(1);
        assertThat(appends.get(0).to).isEqualTo(3);
        assertThat(appends.get(0).append().prevLogIndex()).as("straight to the follower's hint").isEqualTo(2);
    }

    @Test
    void entriesOfEarlierTermsAreCommittedOnlyThroughAnEntryOfTheCurrentTerm()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> {});
        final ExpandableArrayBuffer buffer = scripted.buffer();
        scripted.step(buffer, scripted.append(1, 0, 0, 0, 1, 1, 1));
        assertThat(scripted.node.commitIndex()).isZero();
        scripted.tick(2_000 * MS);
        scripted.step(buffer, scripted.voteResponse(2, scripted.node.term() + 1, VoteKind.PRE_VOTE, true));
        scripted.step(buffer, scripted.voteResponse(2, scripted.node.term(), VoteKind.VOTE, true));
        assertThat(scripted.node.role()).isEqualTo(RaftRole.LEADER);
        final long term = scripted.node.term();
        assertThat(scripted.log.lastIndex()).as("the new leader's no-op").isEqualTo(4);

        scripted.step(buffer, scripted.appendResponse(3, term, true, 0, 3, 0, 0));
        assertThat(scripted.node.commitIndex()).as("index 3 is on a majority but of term 1").isZero();

        scripted.step(buffer, scripted.appendResponse(3, term, true, 3, 4, 0, 0));
        assertThat(scripted.node.commitIndex()).isEqualTo(4);
    }

    @Test
    void batchesRespectTheByteCapAndPipeliningTheInflightBound()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> ctx.maxBatchBytes(300).maxInflightAppends(3));
        scripted.becomeLeader();
        final ExpandableArrayBuffer buffer = scripted.buffer();
        scripted.step(buffer, scripted.appendResponse(2, scripted.node.term(), true, 0, 1, 0, 0));
        scripted.sent.clear();
        for (int i = 0; i < 40; i++)
        {
            assertThat(scripted.proposeWrite(1, i + 1, 0, i)).isEqualTo(Status.OK);
        }
        scripted.node.flush();
        int toPeer2 = 0;
        for (final ScriptedNode.Sent sent : scripted.sentOf(AppendEntriesDecoder.TEMPLATE_ID))
        {
            final AppendEntriesDecoder append = sent.append();
            append.sbeSkip();
            final int entriesLength = sent.bytes.capacity() - 8 - AppendEntriesDecoder.BLOCK_LENGTH - 4;
            assertThat(entriesLength).as("entries per message within the cap").isLessThanOrEqualTo(300);
            if (sent.to == 2)
            {
                toPeer2++;
            }
        }
        assertThat(toPeer2).as("appends in flight to the replicating follower").isEqualTo(3);
    }

    @Test
    void voteIsRefusedToACandidateWithAnOlderLogAndGrantedOncePerTerm()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> {});
        final ExpandableArrayBuffer buffer = scripted.buffer();
        scripted.step(buffer, scripted.append(2, 0, 0, 0, 1, 2));
        scripted.tick(2_000 * MS);
        scripted.sent.clear();

        scripted.step(buffer, scripted.voteRequest(2, 3, 5, 1, VoteKind.VOTE));
        RequestVoteResponseDecoder answer = voteAnswer(scripted);
        assertThat(answer.granted()).as("last term 1 < 2").isEqualTo(RaftFlag.NO);
        assertThat(scripted.node.term()).isEqualTo(3);

        scripted.sent.clear();
        scripted.step(buffer, scripted.voteRequest(3, 3, 2, 2, VoteKind.VOTE));
        answer = voteAnswer(scripted);
        assertThat(answer.granted()).isEqualTo(RaftFlag.YES);
        assertThat(scripted.log.votedFor()).as("vote forced to the log").isEqualTo(3);

        scripted.sent.clear();
        scripted.step(buffer, scripted.voteRequest(2, 3, 2, 2, VoteKind.VOTE));
        assertThat(voteAnswer(scripted).granted()).as("one vote per term").isEqualTo(RaftFlag.NO);
    }

    @Test
    void preVoteChangesNeitherTermNorVote()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> {});
        final ExpandableArrayBuffer buffer = scripted.buffer();
        scripted.tick(2_000 * MS);
        scripted.sent.clear();
        scripted.step(buffer, scripted.voteRequest(2, 1, 0, 0, VoteKind.PRE_VOTE));
        final RequestVoteResponseDecoder answer = voteAnswer(scripted);
        assertThat(answer.granted()).isEqualTo(RaftFlag.YES);
        assertThat(answer.term()).isEqualTo(1);
        assertThat(scripted.node.term()).isZero();
        assertThat(scripted.log.votedFor()).isEqualTo(RaftNode.NONE);
    }

    private static RequestVoteResponseDecoder voteAnswer(final ScriptedNode scripted)
    {
        final ScriptedNode.Sent sent = scripted.sentOf(RequestVoteResponseDecoder.TEMPLATE_ID).get(0);
        final RequestVoteResponseDecoder decoder = new RequestVoteResponseDecoder();
        decoder.wrapAndApplyHeader(sent.bytes, 0, new dev.grid.sbe.MessageHeaderDecoder());
        return decoder;
    }

    @Test
    void contextRefusesConfigurationsThatCannotWork()
    {
        assertThatThrownBy(() -> new ScriptedNode(ctx -> ctx.members(2, 3)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not one of the members");
        assertThatThrownBy(() -> new ScriptedNode(ctx -> ctx.members(1, 2, 2)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate member");
        assertThatThrownBy(() -> new ScriptedNode(ctx -> ctx.heartbeatIntervalNs(200 * MS)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heartbeat");
        assertThatThrownBy(() -> new ScriptedNode(ctx -> ctx.electionTimeoutMaxNs(MS)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("election timeout");
        assertThatThrownBy(() -> new ScriptedNode(ctx -> ctx.maxSessions(0)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSessions");
        assertThatThrownBy(() -> new ScriptedNode(ctx -> ctx.service(ClientEgress.SESSION_SERVICE_ID, new RecordingService(-1))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        final RaftNode.Context defaults = new RaftNode.Context();
        assertThat(defaults.electionTimeoutMinNs()).isEqualTo(500 * MS);
        assertThat(defaults.electionTimeoutMaxNs()).isEqualTo(1_000 * MS);
        assertThat(defaults.heartbeatIntervalNs()).isEqualTo(100 * MS);
    }

    @Test
    void tooLargeCommandsAndBacklogsAreRefusedAtTheLeader()
    {
        final ScriptedNode scripted = new ScriptedNode(ctx -> ctx.maxEntryLength(200).maxUncommittedEntries(5));
        scripted.becomeLeader();
        assertThat(scripted.node.propose(1, 1, 1, new UnsafeBuffer(new byte[500]), 0, 500))
            .isEqualTo(Status.TOO_LARGE);
        int accepted = 0;
        while (scripted.proposeWrite(1, accepted + 1, 0, 1) == Status.OK)
        {
            accepted++;
        }
        assertThat(accepted).isEqualTo(4);
        assertThat(scripted.proposeWrite(1, 99, 0, 1)).isEqualTo(Status.LIMIT_EXCEEDED);
    }
}
