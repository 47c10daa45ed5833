package dev.grid.consensus;

import dev.grid.consensus.sim.RegisterStateMachine;
import dev.grid.core.LogEntryWriter;
import dev.grid.log.InMemoryRaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.sbe.AppendEntriesDecoder;
import dev.grid.sbe.AppendEntriesEncoder;
import dev.grid.sbe.AppendEntriesResponseDecoder;
import dev.grid.sbe.AppendEntriesResponseEncoder;
import dev.grid.sbe.EntryType;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.RaftFlag;
import dev.grid.sbe.RequestVoteEncoder;
import dev.grid.sbe.RequestVoteResponseEncoder;
import dev.grid.sbe.Status;
import dev.grid.sbe.VoteKind;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One real node (id 1 of members 1, 2, 3) whose peers are scripted by the test: it captures what the node sends and
 * encodes what the peers would answer, so a test can drive exact message sequences, malformed ones included.
 */
final class ScriptedNode
{
    static final int SERVICE_ID = 1;

    final InMemoryRaftLog log = new InMemoryRaftLog(SyncPolicy.BATCH);
    final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
    final RegisterStateMachine registers = new RegisterStateMachine(4);
    final List<Sent> sent = new ArrayList<>();
    final RaftNode node;
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64 * 1024);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final LogEntryWriter entryWriter = new LogEntryWriter();
    long nowNs;
    private long entryTimestamp;

    /** A message the node sent. */
    static final class Sent
    {
        final int to;
        final int templateId;
        final UnsafeBuffer bytes;

        Sent(final int to, final DirectBuffer buffer, final int offset, final int length)
        {
            this.to = to;
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            this.bytes = new UnsafeBuffer(copy);
            this.templateId = new MessageHeaderDecoder().wrap(this.bytes, 0).templateId();
        }

        AppendEntriesDecoder append()
        {
            final AppendEntriesDecoder decoder = new AppendEntriesDecoder();
            decoder.wrapAndApplyHeader(bytes, 0, new MessageHeaderDecoder());
            return decoder;
        }

        AppendEntriesResponseDecoder appendResponse()
        {
            final AppendEntriesResponseDecoder decoder = new AppendEntriesResponseDecoder();
            decoder.wrapAndApplyHeader(bytes, 0, new MessageHeaderDecoder());
            return decoder;
        }
    }

    ScriptedNode(final Consumer<RaftNode.Context> customizer)
    {
        final RaftNode.Context ctx = new RaftNode.Context()
            .nodeId(1)
            .members(1, 2, 3)
            .log(log)
            .snapshotStore(snapshots)
            .random(new SplitMixRandom(7))
            .electionTimeoutMinNs(300_000_000L)
            .electionTimeoutMaxNs(600_000_000L)
            .heartbeatIntervalNs(50_000_000L)
            .egress(new dev.grid.consensus.sim.LoopbackCluster.Recorder())
            .outbox((to, b, offset, length) -> sent.add(new Sent(to, b, offset, length)))
            .service(SERVICE_ID, registers);
        customizer.accept(ctx);
        node = new RaftNode(ctx);
        node.tick(0);
    }

    dev.grid.consensus.sim.LoopbackCluster.Recorder egress()
    {
        return (dev.grid.consensus.sim.LoopbackCluster.Recorder)node.context().egress();
    }

    void tick(final long nowNs)
    {
        this.nowNs = nowNs;
        node.tick(nowNs);
    }

    void step(final DirectBuffer message, final int length)
    {
        node.step(message, 0, length);
    }

    List<Sent> sentOf(final int templateId)
    {
        final List<Sent> result = new ArrayList<>();
        for (final Sent s : sent)
        {
            if (s.templateId == templateId)
            {
                result.add(s);
            }
        }
        return result;
    }

    /**
     * Makes the node leader of term 1 by granting its pre-vote and vote from peer 2.
     */
    void becomeLeader()
    {
        tick(700_000_000L);
        step(buffer, voteResponse(2, node.term() + 1, VoteKind.PRE_VOTE, true));
        step(buffer, voteResponse(2, node.term(), VoteKind.VOTE, true));
        if (node.role() != RaftRole.LEADER)
        {
            throw new AssertionError("not leader: " + node);
        }
        node.flush();
    }

    int voteResponse(final int from, final long term, final VoteKind kind, final boolean granted)
    {
        final RequestVoteResponseEncoder encoder = new RequestVoteResponseEncoder();
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder).term(term).voterId(from).voteKind(kind)
            .granted(granted ? RaftFlag.YES : RaftFlag.NO);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    int voteRequest(final int from, final long term, final long lastIndex, final long lastTerm, final VoteKind kind)
    {
        final RequestVoteEncoder encoder = new RequestVoteEncoder();
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder).term(term).candidateId(from).lastLogIndex(lastIndex)
            .lastLogTerm(lastTerm).voteKind(kind).leadershipTransfer(RaftFlag.NO);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    int appendResponse(final int from, final long term, final boolean success, final long prevLogIndex,
        final long matchIndex, final long conflictTerm, final long conflictIndex)
    {
        final AppendEntriesResponseEncoder encoder = new AppendEntriesResponseEncoder();
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder).term(term).followerId(from)
            .success(success ? RaftFlag.YES : RaftFlag.NO).prevLogIndex(prevLogIndex).matchIndex(matchIndex)
            .conflictTerm(conflictTerm).conflictIndex(conflictIndex).readRound(0);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * An AppendEntries from peer 2 carrying entries with the given terms from prevLogIndex + 1.
     */
    int append(final long term, final long prevLogIndex, final long prevLogTerm, final long leaderCommit,
        final long... entryTerms)
    {
        final AppendEntriesEncoder encoder = new AppendEntriesEncoder();
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder).term(term).leaderId(2).prevLogIndex(prevLogIndex)
            .prevLogTerm(prevLogTerm).leaderCommit(leaderCommit).readRound(0).putEntries(new UnsafeBuffer(new byte[0]),
            0, 0);
        final int lengthOffset = encoder.limit() - 4;
        int position = encoder.limit();
        final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
        for (int i = 0; i < entryTerms.length; i++)
        {
            position += entryWriter.write(buffer, position, entryTerms[i], prevLogIndex + 1 + i, ++entryTimestamp,
                EntryType.NOOP, 0, 0, 0, empty, 0, 0);
        }
        buffer.putInt(lengthOffset, position - lengthOffset - 4, java.nio.ByteOrder.LITTLE_ENDIAN);
        return position;
    }

    ExpandableArrayBuffer buffer()
    {
        return buffer;
    }

    Status proposeWrite(final long sessionId, final long sequence, final int key, final long value)
    {
        final UnsafeBuffer command = new UnsafeBuffer(new byte[dev.grid.consensus.sim.RegisterCommands.COMMAND_LENGTH]);
        dev.grid.consensus.sim.RegisterCommands.writeCommand(command, 0,
            dev.grid.consensus.sim.RegisterCommands.OP_WRITE, key, value, 0);
        return node.propose(SERVICE_ID, sessionId, sequence, command, 0, command.capacity());
    }
}
