package dev.grid.consensus;

import dev.grid.core.DeferredResponses;
import dev.grid.core.GridException;
import dev.grid.core.LogEntryView;
import dev.grid.core.LogEntryWriter;
import dev.grid.core.MessageBounds;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateChecksum;
import dev.grid.core.StateMachine;
import dev.grid.log.RaftLog;
import dev.grid.sbe.AppendEntriesDecoder;
import dev.grid.sbe.AppendEntriesEncoder;
import dev.grid.sbe.AppendEntriesResponseDecoder;
import dev.grid.sbe.AppendEntriesResponseEncoder;
import dev.grid.sbe.EntryType;
import dev.grid.sbe.InstallSnapshotDecoder;
import dev.grid.sbe.InstallSnapshotEncoder;
import dev.grid.sbe.InstallSnapshotResponseDecoder;
import dev.grid.sbe.InstallSnapshotResponseEncoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.RaftFlag;
import dev.grid.sbe.RequestVoteDecoder;
import dev.grid.sbe.RequestVoteEncoder;
import dev.grid.sbe.RequestVoteResponseDecoder;
import dev.grid.sbe.RequestVoteResponseEncoder;
import dev.grid.sbe.Status;
import dev.grid.sbe.TimeoutNowDecoder;
import dev.grid.sbe.TimeoutNowEncoder;
import dev.grid.sbe.VoteKind;
import org.agrona.DirectBuffer;
import org.agrona.SystemUtil;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Raft as a pure, deterministic state machine (the etcd/raft model). Its inputs are {@link #tick(long)} with the
 * node's clock, {@link #step} with an encoded peer message, client requests ({@link #propose}, {@link #openSession},
 * {@link #keepAlive}, {@link #closeSession}, {@link #read}) and {@link #flush()} at the end of a duty cycle. Its
 * outputs go through interfaces: the {@link RaftLog}, the {@link Outbox} for peer messages, the {@link StateMachine}s
 * it applies committed commands to (routed by service id), the {@link SnapshotStore} and the {@link ClientEgress}.
 * It owns no thread, socket or clock, and its only randomness comes from the injected {@link RandomSource}.
 * <p>
 * Only the node's agent thread calls it. In steady state (replicate, commit, apply, answer) it allocates nothing:
 * SBE flyweights over preallocated buffers, primitive arrays sized at start.
 * <p>
 * Durability: a follower syncs its log before it acknowledges entries; the leader counts itself toward a commit
 * only up to what it has synced in {@link #flush()}, and may send entries to followers before that (Raft thesis
 * 10.2.1). Term and vote are forced by the log before any vote is answered.
 */
public final class RaftNode
{
    /** No node: no leader known, no vote cast. */
    public static final int NONE = RaftLog.NO_VOTE;

    private static final int SNAPSHOT_MAGIC = 0x52414654;
    private static final int SNAPSHOT_VERSION = 1;
    private static final UnsafeBuffer EMPTY = new UnsafeBuffer(new byte[0]);

    private final Context ctx;
    private final int nodeId;
    private final int[] members;
    private final int selfPosition;
    private final int quorum;
    private final RaftLog log;
    private final Outbox outbox;
    private final ClientEgress egress;
    private final SnapshotStore snapshots;
    private final RandomSource random;
    private final RaftFaults faults;
    private final AppliedEntryListener appliedListener;
    private final Int2ObjectHashMap<StateMachine> servicesById;
    private final int[] serviceIds;
    private final StateMachine[] servicesInOrder;
    private final SessionTable sessions;
    private final StateChecksum stateChecksum = new StateChecksum();
    private final DeferredResponses deferredResponses = this::onDeferredResponse;
    private final SessionTable.ExpiryHandler expiryHandler = this::onSessionExpired;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final RequestVoteDecoder requestVoteDecoder = new RequestVoteDecoder();
    private final RequestVoteEncoder requestVoteEncoder = new RequestVoteEncoder();
    private final RequestVoteResponseDecoder voteResponseDecoder = new RequestVoteResponseDecoder();
    private final RequestVoteResponseEncoder voteResponseEncoder = new RequestVoteResponseEncoder();
    private final AppendEntriesDecoder appendDecoder = new AppendEntriesDecoder();
    private final AppendEntriesEncoder appendEncoder = new AppendEntriesEncoder();
    private final AppendEntriesResponseDecoder appendResponseDecoder = new AppendEntriesResponseDecoder();
    private final AppendEntriesResponseEncoder appendResponseEncoder = new AppendEntriesResponseEncoder();
    private final InstallSnapshotDecoder installDecoder = new InstallSnapshotDecoder();
    private final InstallSnapshotEncoder installEncoder = new InstallSnapshotEncoder();
    private final InstallSnapshotResponseDecoder installResponseDecoder = new InstallSnapshotResponseDecoder();
    private final InstallSnapshotResponseEncoder installResponseEncoder = new InstallSnapshotResponseEncoder();
    private final TimeoutNowDecoder timeoutNowDecoder = new TimeoutNowDecoder();
    private final TimeoutNowEncoder timeoutNowEncoder = new TimeoutNowEncoder();
    private final LogEntryView batchView = new LogEntryView();
    private final UnsafeBuffer sendBuffer;
    private final UnsafeBuffer responseBuffer;
    private final UnsafeBuffer receivedData = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(64));

    private RaftRole role = RaftRole.FOLLOWER;
    private long term;
    private int votedFor;
    private int leaderId = NONE;
    private long commitIndex;
    private long appliedIndex;
    private long syncedIndex;
    private long termStartIndex;
    private long highestTimestamp;
    private long lastAppliedTimestamp;
    private long nowNs;
    private long applyingIndex;
    private long applyingTimestamp;
    private long electionDeadlineNs;
    private long heartbeatDeadlineNs;
    private long checkQuorumDeadlineNs;
    private long lastLeaderContactNs = Long.MIN_VALUE / 2;
    private int transferTarget = NONE;
    private boolean timeoutNowSent;
    private long transferDeadlineNs;

    private final boolean[] voteResponded;
    private final boolean[] voteGranted;

    private final long[] nextIndex;
    private final long[] matchIndex;
    private final boolean[] replicating;
    private final int[] inflightCount;
    private final int[] inflightHead;
    private final long[] inflightLastIndex;
    private final long[] lastSendNs;
    private final long[] lastAckNs;
    private final boolean[] recentActive;
    private final boolean[] sendingSnapshot;
    private final long[] snapshotSendIndex;
    private final long[] snapshotSendOffset;
    private final long[] ackedReadRound;
    private final long[] sortScratch;

    private final long[] readCorrelationIds;
    private final long[] readIndexes;
    private final long[] readRounds;
    private int readHead;
    private int readCount;
    private long readRound;
    private boolean readBroadcastPending;

    private long malformedMessages;
    private long electionsStarted;
    private long snapshotsTaken;
    private long snapshotsInstalled;

    /**
     * Recovers a node from its log and snapshot store: term and vote from the log, state machines and sessions from
     * the latest snapshot; entries after the snapshot are applied again as the commit index becomes known.
     *
     * @param ctx the node's configuration; concluded here.
     */
    public RaftNode(final Context ctx)
    {
        this.ctx = ctx.conclude();
        nodeId = ctx.nodeId();
        members = ctx.members().clone();
        quorum = members.length / 2 + 1;
        selfPosition = positionOf(members, nodeId);
        log = ctx.log();
        outbox = ctx.outbox();
        egress = ctx.egress();
        snapshots = ctx.snapshotStore();
        random = ctx.random();
        faults = ctx.faults();
        appliedListener = ctx.appliedEntryListener();
        servicesById = ctx.services();
        serviceIds = new int[servicesById.size()];
        int s = 0;
        for (final int id : servicesById.keySet())
        {
            serviceIds[s++] = id;
        }
        Arrays.sort(serviceIds);
        servicesInOrder = new StateMachine[serviceIds.length];
        for (int i = 0; i < serviceIds.length; i++)
        {
            servicesInOrder[i] = servicesById.get(serviceIds[i]);
        }
        sessions = new SessionTable(ctx.maxSessions(), ctx.responsesPerSession(), ctx.maxResponseLength(),
            ctx.sessionTimeoutNs());

        final int headerAndBlock = MessageHeaderEncoder.ENCODED_LENGTH + InstallSnapshotEncoder.BLOCK_LENGTH + 64;
        sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(
            headerAndBlock + Math.max(ctx.maxBatchBytes() + ctx.maxEntryLength(), ctx.snapshotChunkBytes())));
        responseBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(ctx.maxResponseLength()));

        final int n = members.length;
        voteResponded = new boolean[n];
        voteGranted = new boolean[n];
        nextIndex = new long[n];
        matchIndex = new long[n];
        replicating = new boolean[n];
        inflightCount = new int[n];
        inflightHead = new int[n];
        inflightLastIndex = new long[n * ctx.maxInflightAppends()];
        lastSendNs = new long[n];
        lastAckNs = new long[n];
        recentActive = new boolean[n];
        sendingSnapshot = new boolean[n];
        snapshotSendIndex = new long[n];
        snapshotSendOffset = new long[n];
        ackedReadRound = new long[n];
        sortScratch = new long[n];
        readCorrelationIds = new long[ctx.maxPendingReads()];
        readIndexes = new long[ctx.maxPendingReads()];
        readRounds = new long[ctx.maxPendingReads()];

        recover();
    }

    private void recover()
    {
        term = log.currentTerm();
        votedFor = log.votedFor();
        if (snapshots.hasSnapshot())
        {
            final long index = snapshots.index();
            restoreState(snapshots.reader());
            final long base = log.firstIndex() - 1;
            if (base > index)
            {
                throw new IllegalStateException("log compacted to " + base + " past the snapshot at " + index);
            }
            if (index > log.lastIndex() || log.termAt(index) != snapshots.term())
            {
                log.reset(index, snapshots.term());
            }
            appliedIndex = index;
            commitIndex = index;
            lastAppliedTimestamp = snapshots.timestamp();
        }
        else if (log.firstIndex() > 1)
        {
            throw new IllegalStateException("log starts at " + log.firstIndex() + " but there is no snapshot");
        }
        // What a log holds when it is opened is what survived: durable as far as this node can tell.
        syncedIndex = log.lastIndex();
        highestTimestamp = lastAppliedTimestamp;
        if (log.lastIndex() >= log.firstIndex())
        {
            highestTimestamp = Math.max(highestTimestamp, log.entry(log.lastIndex()).timestamp());
        }
        electionDeadlineNs = Long.MIN_VALUE;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Inputs
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Advances the node's clock and fires its timers: elections, heartbeats, check-quorum, transfer timeout; then
     * {@link #flush()}.
     *
     * @param nowNs the node's monotonic clock in nanoseconds.
     * @return the work done, for an agent's duty cycle.
     */
    public int tick(final long nowNs)
    {
        this.nowNs = nowNs;
        int work = 0;
        if (Long.MIN_VALUE == electionDeadlineNs)
        {
            resetElectionDeadline();
        }
        if (role == RaftRole.LEADER)
        {
            if (nowNs >= heartbeatDeadlineNs)
            {
                heartbeatDeadlineNs = nowNs + ctx.heartbeatIntervalNs();
                work += sendHeartbeats();
            }
            if (nowNs >= checkQuorumDeadlineNs)
            {
                checkQuorumDeadlineNs = nowNs + ctx.electionTimeoutMinNs();
                if (!quorumActive())
                {
                    becomeFollower(term, NONE);
                    return work + 1;
                }
            }
            if (NONE != transferTarget && nowNs >= transferDeadlineNs)
            {
                transferTarget = NONE;
            }
        }
        else if (nowNs >= electionDeadlineNs)
        {
            becomePreCandidate();
            work++;
        }
        if (snapshots.poll() > 0)
        {
            work += 1 + compactBehindSnapshot();
        }
        return work + flush();
    }

    /**
     * Handles one message from a peer. The bytes are validated against the schema and Raft's own limits before any
     * decoder reads them; a malformed message is dropped and counted ({@link #malformedMessageCount()}), never
     * thrown.
     *
     * @param buffer holding the message.
     * @param offset of its header.
     * @param length of the bytes received.
     * @return the work done.
     */
    public int step(final DirectBuffer buffer, final int offset, final int length)
    {
        final int encodedLength = MessageBounds.instance().check(buffer, offset, length);
        if (encodedLength < 0)
        {
            malformedMessages++;
            return 0;
        }
        headerDecoder.wrap(buffer, offset);
        switch (headerDecoder.templateId())
        {
            case RequestVoteDecoder.TEMPLATE_ID:
                requestVoteDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onRequestVote(requestVoteDecoder);
                break;
            case RequestVoteResponseDecoder.TEMPLATE_ID:
                voteResponseDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onRequestVoteResponse(voteResponseDecoder);
                break;
            case AppendEntriesDecoder.TEMPLATE_ID:
                appendDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onAppendEntries(appendDecoder);
                break;
            case AppendEntriesResponseDecoder.TEMPLATE_ID:
                appendResponseDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onAppendEntriesResponse(appendResponseDecoder);
                break;
            case InstallSnapshotDecoder.TEMPLATE_ID:
                installDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onInstallSnapshot(installDecoder);
                break;
            case InstallSnapshotResponseDecoder.TEMPLATE_ID:
                installResponseDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onInstallSnapshotResponse(installResponseDecoder);
                break;
            case TimeoutNowDecoder.TEMPLATE_ID:
                timeoutNowDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onTimeoutNow(timeoutNowDecoder);
                break;
            default:
                malformedMessages++;
                return 0;
        }
        return 1;
    }

    /**
     * The end of a duty cycle: the leader syncs what it appended and counts itself, commits, sends batched entries
     * and pending ReadIndex heartbeats; every node applies what is committed and answers the reads that are ready.
     *
     * @return the work done.
     */
    public int flush()
    {
        int work = 0;
        if (role == RaftRole.LEADER)
        {
            if (log.lastIndex() > syncedIndex)
            {
                log.sync();
                syncedIndex = log.lastIndex();
                work++;
            }
            maybeCommit();
            work += sendAppends();
            if (readBroadcastPending)
            {
                readBroadcastPending = false;
                work += broadcastReadRound();
            }
        }
        work += applyCommitted();
        if (role == RaftRole.LEADER)
        {
            work += serveReads();
        }
        return work;
    }

    /**
     * Appends a client command, if this node is the leader. The answer comes through {@link ClientEgress} once it is
     * committed and applied; a retry of a request this node has already applied is answered at once from the
     * session's cache, without a new entry.
     *
     * @return OK if appended; NOT_LEADER, MALFORMED (sequence below 1), UNKNOWN_SERVICE, TOO_LARGE, or
     * LIMIT_EXCEEDED when too many entries wait for commit.
     */
    public Status propose(
        final int serviceId,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer command,
        final int offset,
        final int length)
    {
        final Status refusal = refuseProposal(LogEntryWriter.encodedLength(length));
        if (null != refusal)
        {
            return refusal;
        }
        if (requestSequence < 1 || sessionId < 1)
        {
            return Status.MALFORMED;
        }
        if (null == servicesById.get(serviceId))
        {
            return Status.UNKNOWN_SERVICE;
        }
        final int slot = sessions.slotOf(sessionId);
        if (slot >= 0 && SessionTable.DUPLICATE == sessions.lookup(slot, requestSequence))
        {
            // A retry of a request already applied: answered from the session's cache, with no new entry (a client
            // polling for a queued lock's grant costs no log traffic).
            answerCached(slot, sessionId, requestSequence);
            return Status.OK;
        }
        appendLocal(EntryType.COMMAND, serviceId, sessionId, requestSequence, command, offset, length);
        return Status.OK;
    }

    /**
     * Appends a batch of access hints for a service (reads served by the leader that must count toward LRU/LFU on
     * every replica). No session, no answer, no exactly-once: a lost batch only means those reads did not count.
     *
     * @return OK if appended, or why not.
     */
    public Status proposeAccessHints(final int serviceId, final DirectBuffer hints, final int offset, final int length)
    {
        final Status refusal = refuseProposal(LogEntryWriter.encodedLength(length));
        if (null != refusal)
        {
            return refusal;
        }
        if (null == servicesById.get(serviceId))
        {
            return Status.UNKNOWN_SERVICE;
        }
        appendLocal(EntryType.ACCESS_HINTS, serviceId, 0, 0, hints, offset, length);
        return Status.OK;
    }

    /**
     * Appends a session open. The session id is the index of its entry, told through
     * {@link ClientEgress#onSessionOpened}.
     *
     * @return OK if appended, or why not.
     */
    public Status openSession(final long correlationId)
    {
        return appendSessionEntry(EntryType.SESSION_OPEN, 0, correlationId);
    }

    /**
     * Appends a keep-alive, so that an idle session does not expire.
     *
     * @return OK if appended, or why not.
     */
    public Status keepAlive(final long sessionId, final long correlationId)
    {
        return appendSessionEntry(EntryType.SESSION_KEEP_ALIVE, sessionId, correlationId);
    }

    /**
     * Appends a session close; the services release what the session held.
     *
     * @return OK if appended, or why not.
     */
    public Status closeSession(final long sessionId, final long correlationId)
    {
        return appendSessionEntry(EntryType.SESSION_CLOSE, sessionId, correlationId);
    }

    /**
     * Starts a linearizable read (ReadIndex), without writing to the log: the read index is the commit index now (at
     * least the first entry of this leader's term); leadership is confirmed by a heartbeat round answered by a
     * majority; then, once the node has applied the read index, {@link ClientEgress#onReadReady} says the read may
     * be served from the local state machines.
     *
     * @return OK if queued; NOT_LEADER, or LIMIT_EXCEEDED when too many reads wait.
     */
    public Status read(final long correlationId)
    {
        if (role != RaftRole.LEADER)
        {
            return Status.NOT_LEADER;
        }
        if (readCount == readCorrelationIds.length)
        {
            return Status.LIMIT_EXCEEDED;
        }
        if (!readBroadcastPending)
        {
            readBroadcastPending = true;
            readRound++;
        }
        final int slot = (readHead + readCount) % readCorrelationIds.length;
        readCorrelationIds[slot] = correlationId;
        readIndexes[slot] = Math.max(commitIndex, termStartIndex);
        readRounds[slot] = readRound;
        readCount++;
        return Status.OK;
    }

    /**
     * Hands leadership to a peer: proposals stop, the target is brought up to date and told TimeoutNow, so it starts
     * an election at once that voters do not refuse for their leader lease. Gives up after an election timeout.
     *
     * @return OK if started; NOT_LEADER, or MALFORMED for a node that is not a peer.
     */
    public Status transferLeadership(final int targetId)
    {
        if (role != RaftRole.LEADER)
        {
            return Status.NOT_LEADER;
        }
        final int p = positionOf(members, targetId);
        if (p < 0 || p == selfPosition)
        {
            return Status.MALFORMED;
        }
        transferTarget = targetId;
        timeoutNowSent = false;
        transferDeadlineNs = nowNs + ctx.electionTimeoutMinNs();
        if (matchIndex[p] == log.lastIndex())
        {
            sendTimeoutNow(p);
        }
        else
        {
            sendAppend(p);
        }
        return Status.OK;
    }

    // ------------------------------------------------------------------------------------------------------------
    // State
    // ------------------------------------------------------------------------------------------------------------

    public int nodeId()
    {
        return nodeId;
    }

    public RaftRole role()
    {
        return role;
    }

    public long term()
    {
        return term;
    }

    /**
     * @return the leader of the current term as far as this node knows, or {@link #NONE}.
     */
    public int leaderId()
    {
        return leaderId;
    }

    public long commitIndex()
    {
        return commitIndex;
    }

    public long appliedIndex()
    {
        return appliedIndex;
    }

    /**
     * @return the timestamp of the last applied entry: the node's log time.
     */
    public long logTimeNs()
    {
        return lastAppliedTimestamp;
    }

    public RaftLog log()
    {
        return log;
    }

    public int sessionCount()
    {
        return sessions.count();
    }

    /**
     * @return a checksum of the session table (sessions and cached responses), equal on replicas at equal applied
     * index.
     */
    public long sessionChecksum()
    {
        return sessions.checksum(stateChecksum);
    }

    /**
     * @return the way state machines answer a request at a later entry; hand it to those that need it.
     */
    public DeferredResponses deferredResponses()
    {
        return deferredResponses;
    }

    /**
     * @return peer messages dropped because they were malformed or came from a node that is not a peer.
     */
    public long malformedMessageCount()
    {
        return malformedMessages;
    }

    public long electionsStarted()
    {
        return electionsStarted;
    }

    public long snapshotsTaken()
    {
        return snapshotsTaken;
    }

    public long snapshotsInstalled()
    {
        return snapshotsInstalled;
    }

    public Context context()
    {
        return ctx;
    }

    public String toString()
    {
        return "RaftNode{id=" + nodeId + ", role=" + role + ", term=" + term + ", leader=" + leaderId +
            ", last=" + log.lastIndex() + ", commit=" + commitIndex + ", applied=" + appliedIndex + "}";
    }

    // ------------------------------------------------------------------------------------------------------------
    // Elections
    // ------------------------------------------------------------------------------------------------------------

    private void resetElectionDeadline()
    {
        final long spread = ctx.electionTimeoutMaxNs() - ctx.electionTimeoutMinNs();
        electionDeadlineNs = nowNs + ctx.electionTimeoutMinNs() + (spread > 0 ? random.nextLong(spread) : 0);
    }

    private boolean inLeaderLease()
    {
        return role == RaftRole.LEADER ||
            (NONE != leaderId && nowNs - lastLeaderContactNs < ctx.electionTimeoutMinNs());
    }

    private void becomeFollower(final long newTerm, final int newLeaderId)
    {
        if (newTerm > term)
        {
            log.setTerm(newTerm);
            term = newTerm;
            votedFor = NONE;
        }
        if (role == RaftRole.LEADER)
        {
            failPendingReads();
        }
        role = RaftRole.FOLLOWER;
        leaderId = newLeaderId;
        transferTarget = NONE;
        resetElectionDeadline();
    }

    private void becomePreCandidate()
    {
        role = RaftRole.PRE_CANDIDATE;
        leaderId = NONE;
        resetElectionDeadline();
        clearVotes();
        broadcastVoteRequest(VoteKind.PRE_VOTE, term + 1, false);
        tallyVotes();
    }

    private void becomeCandidate(final boolean leadershipTransfer)
    {
        electionsStarted++;
        final long newTerm = term + 1;
        if (faults.skipVotePersistence())
        {
            log.setTerm(newTerm);
        }
        else
        {
            log.storeTermAndVote(newTerm, nodeId);
        }
        term = newTerm;
        votedFor = nodeId;
        role = RaftRole.CANDIDATE;
        leaderId = NONE;
        resetElectionDeadline();
        clearVotes();
        broadcastVoteRequest(VoteKind.VOTE, term, leadershipTransfer);
        tallyVotes();
    }

    private void becomeLeader()
    {
        role = RaftRole.LEADER;
        leaderId = nodeId;
        transferTarget = NONE;
        final long lastIndex = log.lastIndex();
        for (int p = 0; p < members.length; p++)
        {
            nextIndex[p] = lastIndex + 1;
            matchIndex[p] = 0;
            replicating[p] = false;
            inflightCount[p] = 0;
            sendingSnapshot[p] = false;
            recentActive[p] = false;
            ackedReadRound[p] = 0;
            lastAckNs[p] = nowNs;
        }
        readRound = 0;
        readBroadcastPending = false;
        checkQuorumDeadlineNs = nowNs + ctx.electionTimeoutMinNs();
        heartbeatDeadlineNs = nowNs + ctx.heartbeatIntervalNs();
        appendLocal(EntryType.NOOP, 0, 0, 0, EMPTY, 0, 0);
        termStartIndex = log.lastIndex();
        flush();
    }

    private void clearVotes()
    {
        Arrays.fill(voteResponded, false);
        Arrays.fill(voteGranted, false);
        voteResponded[selfPosition] = true;
        voteGranted[selfPosition] = true;
    }

    private void tallyVotes()
    {
        int granted = 0;
        int refused = 0;
        for (int p = 0; p < members.length; p++)
        {
            if (voteResponded[p])
            {
                if (voteGranted[p])
                {
                    granted++;
                }
                else
                {
                    refused++;
                }
            }
        }
        if (granted >= quorum)
        {
            if (role == RaftRole.PRE_CANDIDATE)
            {
                becomeCandidate(false);
            }
            else if (role == RaftRole.CANDIDATE)
            {
                becomeLeader();
            }
        }
        else if (refused >= quorum)
        {
            becomeFollower(term, NONE);
        }
    }

    private void broadcastVoteRequest(final VoteKind kind, final long candidateTerm, final boolean transfer)
    {
        final long lastIndex = log.lastIndex();
        final long lastTerm = log.lastTerm();
        for (int p = 0; p < members.length; p++)
        {
            if (p != selfPosition)
            {
                requestVoteEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
                    .term(candidateTerm)
                    .candidateId(nodeId)
                    .lastLogIndex(lastIndex)
                    .lastLogTerm(lastTerm)
                    .voteKind(kind)
                    .leadershipTransfer(transfer ? RaftFlag.YES : RaftFlag.NO);
                send(p, MessageHeaderEncoder.ENCODED_LENGTH + requestVoteEncoder.encodedLength());
            }
        }
    }

    private void onRequestVote(final RequestVoteDecoder m)
    {
        final long messageTerm = m.term();
        final int candidateId = m.candidateId();
        final long lastLogIndex = m.lastLogIndex();
        final long lastLogTerm = m.lastLogTerm();
        final boolean preVote = m.voteKind() == VoteKind.PRE_VOTE;
        final boolean transfer = m.leadershipTransfer() == RaftFlag.YES;
        final int p = peerPosition(candidateId);
        if (p < 0 || messageTerm < 0 || lastLogIndex < 0 || lastLogTerm < 0)
        {
            malformedMessages++;
            return;
        }
        if (messageTerm > term)
        {
            if (!transfer && inLeaderLease())
            {
                return;
            }
            if (!preVote)
            {
                becomeFollower(messageTerm, NONE);
            }
        }
        if (messageTerm < term)
        {
            sendVoteResponse(p, term, m.voteKind(), false);
            return;
        }
        final boolean canVote = votedFor == candidateId ||
            (NONE == votedFor && NONE == leaderId) ||
            (preVote && messageTerm > term);
        final boolean upToDate = faults.skipLogUpToDateCheck() || lastLogTerm > log.lastTerm() ||
            (lastLogTerm == log.lastTerm() && lastLogIndex >= log.lastIndex());
        if (canVote && upToDate)
        {
            if (!preVote)
            {
                if (!faults.skipVotePersistence())
                {
                    log.setVote(candidateId);
                }
                votedFor = candidateId;
                resetElectionDeadline();
            }
            sendVoteResponse(p, messageTerm, m.voteKind(), true);
        }
        else
        {
            sendVoteResponse(p, term, m.voteKind(), false);
        }
    }

    private void sendVoteResponse(final int p, final long responseTerm, final VoteKind kind, final boolean granted)
    {
        voteResponseEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .term(responseTerm)
            .voterId(nodeId)
            .voteKind(kind)
            .granted(granted ? RaftFlag.YES : RaftFlag.NO);
        send(p, MessageHeaderEncoder.ENCODED_LENGTH + voteResponseEncoder.encodedLength());
    }

    private void onRequestVoteResponse(final RequestVoteResponseDecoder m)
    {
        final long messageTerm = m.term();
        final int p = peerPosition(m.voterId());
        final boolean preVote = m.voteKind() == VoteKind.PRE_VOTE;
        final boolean granted = m.granted() == RaftFlag.YES;
        if (p < 0 || messageTerm < 0)
        {
            malformedMessages++;
            return;
        }
        if (preVote)
        {
            if (role != RaftRole.PRE_CANDIDATE)
            {
                return;
            }
            if (granted && messageTerm == term + 1)
            {
                voteResponded[p] = true;
                voteGranted[p] = true;
                tallyVotes();
            }
            else if (!granted && messageTerm > term)
            {
                becomeFollower(messageTerm, NONE);
            }
            else if (!granted && messageTerm == term)
            {
                voteResponded[p] = true;
                voteGranted[p] = false;
                tallyVotes();
            }
            return;
        }
        if (messageTerm > term)
        {
            becomeFollower(messageTerm, NONE);
            return;
        }
        if (role == RaftRole.CANDIDATE && messageTerm == term)
        {
            voteResponded[p] = true;
            voteGranted[p] = granted;
            tallyVotes();
        }
    }

    private void onTimeoutNow(final TimeoutNowDecoder m)
    {
        final long messageTerm = m.term();
        final int p = peerPosition(m.leaderId());
        if (p < 0 || messageTerm < 0)
        {
            malformedMessages++;
            return;
        }
        if (messageTerm < term)
        {
            return;
        }
        if (messageTerm > term || role != RaftRole.FOLLOWER)
        {
            becomeFollower(messageTerm, m.leaderId());
        }
        becomeCandidate(true);
    }

    private void sendTimeoutNow(final int p)
    {
        if (!timeoutNowSent)
        {
            timeoutNowSent = true;
            timeoutNowEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder).term(term).leaderId(nodeId);
            send(p, MessageHeaderEncoder.ENCODED_LENGTH + timeoutNowEncoder.encodedLength());
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Replication: leader side
    // ------------------------------------------------------------------------------------------------------------

    private Status refuseProposal(final int encodedLength)
    {
        if (role != RaftRole.LEADER || NONE != transferTarget)
        {
            return Status.NOT_LEADER;
        }
        if (encodedLength > ctx.maxEntryLength())
        {
            return Status.TOO_LARGE;
        }
        if (log.lastIndex() - commitIndex >= ctx.maxUncommittedEntries())
        {
            return Status.LIMIT_EXCEEDED;
        }
        return null;
    }

    private Status appendSessionEntry(final EntryType type, final long sessionId, final long correlationId)
    {
        final Status refusal = refuseProposal(LogEntryWriter.EMPTY_ENTRY_LENGTH);
        if (null != refusal)
        {
            return refusal;
        }
        appendLocal(type, ClientEgress.SESSION_SERVICE_ID, sessionId, correlationId, EMPTY, 0, 0);
        return Status.OK;
    }

    private void appendLocal(
        final EntryType type,
        final int serviceId,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer payload,
        final int offset,
        final int length)
    {
        highestTimestamp = Math.max(highestTimestamp, nowNs);
        log.append(log.lastIndex() + 1, term, highestTimestamp, type, serviceId, sessionId, requestSequence,
            payload, offset, length);
    }

    private int sendAppends()
    {
        int sent = 0;
        final long lastIndex = log.lastIndex();
        for (int p = 0; p < members.length; p++)
        {
            if (p == selfPosition || sendingSnapshot[p])
            {
                continue;
            }
            if (replicating[p])
            {
                while (inflightCount[p] < ctx.maxInflightAppends() && nextIndex[p] <= lastIndex && replicating[p] &&
                    !sendingSnapshot[p])
                {
                    sendAppend(p);
                    sent++;
                }
            }
            else if (0 == inflightCount[p] && nextIndex[p] <= lastIndex)
            {
                sendAppend(p);
                sent++;
            }
        }
        return sent;
    }

    private int sendHeartbeats()
    {
        int sent = 0;
        for (int p = 0; p < members.length; p++)
        {
            if (p == selfPosition)
            {
                continue;
            }
            if (sendingSnapshot[p])
            {
                sendSnapshotChunk(p);
            }
            else if (!replicating[p])
            {
                inflightCount[p] = 0;
                sendAppend(p);
            }
            else if (inflightCount[p] > 0 && nowNs - lastAckNs[p] >= 2 * ctx.heartbeatIntervalNs())
            {
                becomeProbe(p);
                sendAppend(p);
            }
            else
            {
                sendEmptyAppend(p);
            }
            sent++;
        }
        return sent;
    }

    private int broadcastReadRound()
    {
        int sent = 0;
        for (int p = 0; p < members.length; p++)
        {
            if (p != selfPosition)
            {
                if (sendingSnapshot[p])
                {
                    sendSnapshotChunk(p);
                }
                else
                {
                    sendEmptyAppend(p);
                }
                sent++;
            }
        }
        return sent;
    }

    private void becomeProbe(final int p)
    {
        replicating[p] = false;
        inflightCount[p] = 0;
        nextIndex[p] = matchIndex[p] + 1;
    }

    /**
     * A heartbeat: no entries, consistency checked at an index the follower is known to hold.
     */
    private void sendEmptyAppend(final int p)
    {
        final long base = log.firstIndex() - 1;
        final long prevIndex = Math.max(matchIndex[p], base);
        encodeAppendHeader(prevIndex, log.termAt(prevIndex));
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + appendEncoder.encodedLength();
        send(p, length);
    }

    private void sendAppend(final int p)
    {
        final long prevIndex = nextIndex[p] - 1;
        if (prevIndex < log.firstIndex() - 1)
        {
            startSnapshotTransfer(p);
            return;
        }
        encodeAppendHeader(prevIndex, log.termAt(prevIndex));
        final int lengthOffset = appendEncoder.limit() - AppendEntriesEncoder.entriesHeaderLength();
        int position = appendEncoder.limit();
        int bytes = 0;
        long index = prevIndex + 1;
        final long lastIndex = log.lastIndex();
        final int maxBatchBytes = ctx.maxBatchBytes();
        while (index <= lastIndex)
        {
            final LogEntryView entry = log.entry(index);
            final int entryLength = entry.encodedLength();
            if (bytes > 0 && bytes + entryLength > maxBatchBytes)
            {
                break;
            }
            sendBuffer.putBytes(position, entry.buffer(), entry.offset(), entryLength);
            position += entryLength;
            bytes += entryLength;
            index++;
        }
        sendBuffer.putInt(lengthOffset, bytes, ByteOrder.LITTLE_ENDIAN);
        if (bytes > 0)
        {
            if (replicating[p])
            {
                nextIndex[p] = index;
                final int max = ctx.maxInflightAppends();
                inflightLastIndex[p * max + (inflightHead[p] + inflightCount[p]) % max] = index - 1;
                inflightCount[p]++;
            }
            else
            {
                inflightCount[p] = 1;
            }
        }
        send(p, position);
    }

    private void encodeAppendHeader(final long prevIndex, final long prevTerm)
    {
        appendEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .term(term)
            .leaderId(nodeId)
            .prevLogIndex(prevIndex)
            .prevLogTerm(prevTerm)
            .leaderCommit(commitIndex)
            .readRound(readRound)
            .putEntries(EMPTY, 0, 0);
    }

    private void onAppendEntriesResponse(final AppendEntriesResponseDecoder m)
    {
        final long messageTerm = m.term();
        final int p = peerPosition(m.followerId());
        final boolean success = m.success() == RaftFlag.YES;
        final long prevLogIndex = m.prevLogIndex();
        final long responseMatch = m.matchIndex();
        final long conflictTerm = m.conflictTerm();
        final long conflictIndex = m.conflictIndex();
        final long round = m.readRound();
        if (p < 0 || messageTerm < 0 || prevLogIndex < 0 || responseMatch < 0 || conflictTerm < 0 ||
            conflictIndex < 0 || round < 0 || responseMatch > log.lastIndex() && success)
        {
            malformedMessages++;
            return;
        }
        if (messageTerm > term)
        {
            becomeFollower(messageTerm, NONE);
            return;
        }
        if (messageTerm < term || role != RaftRole.LEADER)
        {
            return;
        }
        recentActive[p] = true;
        ackedReadRound[p] = Math.max(ackedReadRound[p], Math.min(round, readRound));
        if (success)
        {
            // Only progress counts as an acknowledgement: a follower that answers heartbeats but lost an append
            // in flight must be probed again (see sendHeartbeats).
            if (responseMatch > matchIndex[p] || 0 == inflightCount[p])
            {
                lastAckNs[p] = nowNs;
            }
            if (responseMatch > matchIndex[p])
            {
                matchIndex[p] = responseMatch;
            }
            if (!sendingSnapshot[p])
            {
                nextIndex[p] = Math.max(nextIndex[p], matchIndex[p] + 1);
                if (replicating[p])
                {
                    freeInflight(p);
                }
                else if (matchIndex[p] >= prevLogIndex && responseMatch == matchIndex[p])
                {
                    replicating[p] = true;
                    inflightCount[p] = 0;
                    nextIndex[p] = matchIndex[p] + 1;
                }
            }
            if (members[p] == transferTarget && matchIndex[p] == log.lastIndex())
            {
                sendTimeoutNow(p);
            }
            maybeCommit();
        }
        else if (!sendingSnapshot[p])
        {
            final boolean stale = replicating[p] ? prevLogIndex <= matchIndex[p] : prevLogIndex != nextIndex[p] - 1;
            if (!stale)
            {
                long next = nextIndexFromHint(prevLogIndex, conflictTerm, conflictIndex);
                next = Math.min(next, prevLogIndex);
                nextIndex[p] = Math.max(next, matchIndex[p] + 1);
                replicating[p] = false;
                inflightCount[p] = 0;
                sendAppend(p);
            }
        }
        if (replicating[p] && !sendingSnapshot[p])
        {
            final long lastIndex = log.lastIndex();
            while (inflightCount[p] < ctx.maxInflightAppends() && nextIndex[p] <= lastIndex && replicating[p] &&
                !sendingSnapshot[p])
            {
                sendAppend(p);
            }
        }
        if (readCount > 0)
        {
            serveReads();
        }
    }

    private void freeInflight(final int p)
    {
        final int max = ctx.maxInflightAppends();
        while (inflightCount[p] > 0 && inflightLastIndex[p * max + inflightHead[p]] <= matchIndex[p])
        {
            inflightHead[p] = (inflightHead[p] + 1) % max;
            inflightCount[p]--;
        }
    }

    /**
     * Fast back-off: skip every entry of the follower's conflicting term that the leader does not share.
     */
    private long nextIndexFromHint(final long prevLogIndex, final long conflictTerm, final long conflictIndex)
    {
        if (0 == conflictTerm)
        {
            return conflictIndex;
        }
        final long base = log.firstIndex() - 1;
        long index = Math.min(prevLogIndex, log.lastIndex());
        while (index > base && log.termAt(index) > conflictTerm)
        {
            index--;
        }
        if (index >= base && log.termAt(index) == conflictTerm)
        {
            return index + 1;
        }
        return conflictIndex;
    }

    private void maybeCommit()
    {
        if (role != RaftRole.LEADER)
        {
            return;
        }
        for (int p = 0; p < members.length; p++)
        {
            sortScratch[p] = p == selfPosition ? syncedIndex : matchIndex[p];
        }
        Arrays.sort(sortScratch);
        final long candidate = sortScratch[members.length - quorum];
        if (candidate > commitIndex && log.termAt(candidate) == term)
        {
            commitIndex = candidate;
        }
    }

    private boolean quorumActive()
    {
        int active = 1;
        for (int p = 0; p < members.length; p++)
        {
            if (p != selfPosition)
            {
                if (recentActive[p])
                {
                    active++;
                }
                recentActive[p] = false;
            }
        }
        return active >= quorum;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Replication: follower side
    // ------------------------------------------------------------------------------------------------------------

    private void onAppendEntries(final AppendEntriesDecoder m)
    {
        final long messageTerm = m.term();
        final int leader = m.leaderId();
        final long prevLogIndex = m.prevLogIndex();
        final long prevLogTerm = m.prevLogTerm();
        final long leaderCommit = m.leaderCommit();
        final long round = m.readRound();
        m.wrapEntries(receivedData);
        final int p = peerPosition(leader);
        if (p < 0 || messageTerm < 0 || prevLogIndex < 0 || prevLogTerm < 0 || leaderCommit < 0 || round < 0 ||
            prevLogTerm > messageTerm)
        {
            malformedMessages++;
            return;
        }
        if (messageTerm < term)
        {
            sendAppendResponse(p, false, prevLogIndex, 0, 0, 0, round);
            return;
        }
        final int entryCount = verifyEntries(prevLogIndex, messageTerm);
        if (entryCount < 0)
        {
            malformedMessages++;
            return;
        }
        acceptLeader(messageTerm, leader);

        final long base = log.firstIndex() - 1;
        if (prevLogIndex < base)
        {
            sendAppendResponse(p, true, prevLogIndex, commitIndex, 0, 0, round);
            return;
        }
        final long lastIndex = log.lastIndex();
        if (prevLogIndex > lastIndex)
        {
            sendAppendResponse(p, false, prevLogIndex, 0, 0, lastIndex + 1, round);
            return;
        }
        final long termAtPrev = log.termAt(prevLogIndex);
        if (termAtPrev != prevLogTerm)
        {
            long first = prevLogIndex;
            while (first - 1 > base && log.termAt(first - 1) == termAtPrev)
            {
                first--;
            }
            sendAppendResponse(p, false, prevLogIndex, 0, termAtPrev, first, round);
            return;
        }

        int position = 0;
        long index = prevLogIndex + 1;
        int remaining = entryCount;
        while (remaining > 0 && index <= log.lastIndex())
        {
            final int length = batchView.wrapAndVerify(receivedData, position, receivedData.capacity() - position);
            if (log.termAt(index) != batchView.term())
            {
                if (index <= commitIndex)
                {
                    throw new IllegalStateException("node " + nodeId + " would truncate committed index " + index +
                        " (commit " + commitIndex + ")");
                }
                log.truncateFrom(index);
                break;
            }
            position += length;
            index++;
            remaining--;
        }
        if (remaining > 0)
        {
            log.appendEntries(receivedData, position, receivedData.capacity() - position);
            highestTimestamp = Math.max(highestTimestamp, log.entry(log.lastIndex()).timestamp());
        }
        if (!faults.acknowledgeBeforeSync())
        {
            log.sync();
        }
        syncedIndex = log.lastIndex();
        final long lastNewIndex = prevLogIndex + entryCount;
        if (leaderCommit > commitIndex)
        {
            commitIndex = Math.max(commitIndex, Math.min(leaderCommit, lastNewIndex));
        }
        sendAppendResponse(p, true, prevLogIndex, lastNewIndex, 0, 0, round);
        applyCommitted();
    }

    /**
     * Checks every entry of a batch before anything is stored: schema, checksum, consecutive indexes from
     * prevLogIndex + 1, terms not going down and not above the message's.
     *
     * @return the number of entries, or -1 if the batch is malformed.
     */
    private int verifyEntries(final long prevLogIndex, final long messageTerm)
    {
        final int length = receivedData.capacity();
        int position = 0;
        int count = 0;
        long previousTerm = 0;
        while (position < length)
        {
            final int entryLength = batchView.wrapAndVerify(receivedData, position, length - position);
            if (entryLength < 0 || batchView.index() != prevLogIndex + 1 + count || batchView.term() < previousTerm ||
                batchView.term() > messageTerm || entryLength > ctx.maxEntryLength())
            {
                return -1;
            }
            previousTerm = batchView.term();
            position += entryLength;
            count++;
        }
        return count;
    }

    private void acceptLeader(final long messageTerm, final int leader)
    {
        if (messageTerm > term || role != RaftRole.FOLLOWER || leaderId != leader)
        {
            becomeFollower(messageTerm, leader);
        }
        else
        {
            resetElectionDeadline();
        }
        lastLeaderContactNs = nowNs;
    }

    private void sendAppendResponse(
        final int p,
        final boolean success,
        final long prevLogIndex,
        final long matched,
        final long conflictTerm,
        final long conflictIndex,
        final long round)
    {
        appendResponseEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .term(term)
            .followerId(nodeId)
            .success(success ? RaftFlag.YES : RaftFlag.NO)
            .prevLogIndex(prevLogIndex)
            .matchIndex(matched)
            .conflictTerm(conflictTerm)
            .conflictIndex(conflictIndex)
            .readRound(round);
        send(p, MessageHeaderEncoder.ENCODED_LENGTH + appendResponseEncoder.encodedLength());
    }

    // ------------------------------------------------------------------------------------------------------------
    // Snapshots
    // ------------------------------------------------------------------------------------------------------------

    private void startSnapshotTransfer(final int p)
    {
        if (!snapshots.hasSnapshot())
        {
            throw new IllegalStateException("log compacted to " + (log.firstIndex() - 1) + " without a snapshot");
        }
        sendingSnapshot[p] = true;
        replicating[p] = false;
        inflightCount[p] = 0;
        snapshotSendIndex[p] = snapshots.index();
        snapshotSendOffset[p] = 0;
        sendSnapshotChunk(p);
    }

    private void sendSnapshotChunk(final int p)
    {
        if (snapshotSendIndex[p] != snapshots.index())
        {
            snapshotSendIndex[p] = snapshots.index();
            snapshotSendOffset[p] = 0;
        }
        installEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .term(term)
            .leaderId(nodeId)
            .lastIncludedIndex(snapshots.index())
            .lastIncludedTerm(snapshots.term())
            .lastIncludedTimestamp(snapshots.timestamp())
            .chunkOffset(snapshotSendOffset[p])
            .totalLength(snapshots.length())
            .readRound(readRound)
            .snapshotChecksum(snapshots.checksum() & 0xFFFF_FFFFL)
            .putChunk(EMPTY, 0, 0);
        final int chunkStart = installEncoder.limit();
        final int length = snapshots.readChunk(snapshotSendOffset[p], sendBuffer, chunkStart, ctx.snapshotChunkBytes());
        sendBuffer.putInt(chunkStart - InstallSnapshotEncoder.chunkHeaderLength(), length,
            ByteOrder.LITTLE_ENDIAN);
        send(p, chunkStart + length);
    }

    private void onInstallSnapshotResponse(final InstallSnapshotResponseDecoder m)
    {
        final long messageTerm = m.term();
        final int p = peerPosition(m.followerId());
        final long index = m.lastIncludedIndex();
        final long nextOffset = m.nextOffset();
        final boolean done = m.done() == RaftFlag.YES;
        final long round = m.readRound();
        if (p < 0 || messageTerm < 0 || index < 0 || nextOffset < 0 || round < 0)
        {
            malformedMessages++;
            return;
        }
        if (messageTerm > term)
        {
            becomeFollower(messageTerm, NONE);
            return;
        }
        if (messageTerm < term || role != RaftRole.LEADER)
        {
            return;
        }
        recentActive[p] = true;
        lastAckNs[p] = nowNs;
        ackedReadRound[p] = Math.max(ackedReadRound[p], Math.min(round, readRound));
        if (!sendingSnapshot[p] || index != snapshotSendIndex[p])
        {
            return;
        }
        if (done)
        {
            sendingSnapshot[p] = false;
            matchIndex[p] = Math.max(matchIndex[p], index);
            nextIndex[p] = matchIndex[p] + 1;
            replicating[p] = false;
            inflightCount[p] = 0;
            sendAppend(p);
            maybeCommit();
        }
        else if (nextOffset <= snapshots.length())
        {
            snapshotSendOffset[p] = nextOffset;
            sendSnapshotChunk(p);
        }
        if (readCount > 0)
        {
            serveReads();
        }
    }

    private void onInstallSnapshot(final InstallSnapshotDecoder m)
    {
        final long messageTerm = m.term();
        final int leader = m.leaderId();
        final long index = m.lastIncludedIndex();
        final long snapshotTerm = m.lastIncludedTerm();
        final long timestamp = m.lastIncludedTimestamp();
        final long chunkOffset = m.chunkOffset();
        final long totalLength = m.totalLength();
        final long round = m.readRound();
        final int snapshotChecksum = (int)m.snapshotChecksum();
        m.wrapChunk(receivedData);
        final int p = peerPosition(leader);
        final int chunkLength = receivedData.capacity();
        if (p < 0 || messageTerm < 0 || index < 1 || snapshotTerm < 1 || snapshotTerm > messageTerm ||
            chunkOffset < 0 || totalLength < 0 || round < 0 || chunkOffset + chunkLength > totalLength ||
            totalLength > Integer.MAX_VALUE)
        {
            malformedMessages++;
            return;
        }
        if (messageTerm < term)
        {
            sendInstallResponse(p, index, 0, false, round);
            return;
        }
        acceptLeader(messageTerm, leader);
        if (index <= commitIndex)
        {
            sendInstallResponse(p, index, totalLength, true, round);
            return;
        }
        if (snapshots.installIndex() != index || snapshots.installTerm() != snapshotTerm ||
            snapshots.installTotalLength() != totalLength || snapshots.installChecksum() != snapshotChecksum)
        {
            if (0 != chunkOffset)
            {
                sendInstallResponse(p, index, 0, false, round);
                return;
            }
            snapshots.beginInstall(index, snapshotTerm, timestamp, totalLength, snapshotChecksum);
        }
        if (chunkOffset != snapshots.installedLength())
        {
            sendInstallResponse(p, index, snapshots.installedLength(), false, round);
            return;
        }
        snapshots.writeInstallChunk(receivedData, 0, chunkLength);
        if (snapshots.installedLength() < totalLength)
        {
            sendInstallResponse(p, index, snapshots.installedLength(), false, round);
            return;
        }
        if (!snapshots.commitInstall())
        {
            malformedMessages++;
            sendInstallResponse(p, index, 0, false, round);
            return;
        }
        restoreState(snapshots.reader());
        if (index <= log.lastIndex() && index >= log.firstIndex() - 1 && log.termAt(index) == snapshotTerm)
        {
            log.compactTo(index);
        }
        else
        {
            log.reset(index, snapshotTerm);
        }
        log.sync();
        syncedIndex = log.lastIndex();
        commitIndex = Math.max(commitIndex, index);
        appliedIndex = index;
        lastAppliedTimestamp = timestamp;
        highestTimestamp = Math.max(highestTimestamp, timestamp);
        snapshotsInstalled++;
        sendInstallResponse(p, index, totalLength, true, round);
        applyCommitted();
    }

    private void sendInstallResponse(
        final int p, final long index, final long nextOffset, final boolean done, final long round)
    {
        installResponseEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .term(term)
            .followerId(nodeId)
            .lastIncludedIndex(index)
            .nextOffset(nextOffset)
            .done(done ? RaftFlag.YES : RaftFlag.NO)
            .readRound(round);
        send(p, MessageHeaderEncoder.ENCODED_LENGTH + installResponseEncoder.encodedLength());
    }

    private void maybeSnapshot()
    {
        if (appliedIndex - snapshots.index() < ctx.snapshotThresholdEntries() || appliedIndex < log.firstIndex() ||
            snapshots.snapshotPending())
        {
            return;
        }
        writeSnapshot(snapshots.beginSnapshot(appliedIndex, log.termAt(appliedIndex), lastAppliedTimestamp));
        snapshots.commitSnapshot();
        snapshotsTaken++;
        compactBehindSnapshot();
    }

    /**
     * The length a snapshot of the present state would have, e.g. for a store to reserve memory for its next
     * snapshot at start rather than on the node's thread when the first one is due. Allocates; not for the agent.
     *
     * @return the length in bytes.
     */
    public long snapshotLength()
    {
        final long[] length = new long[1];
        writeSnapshot((source, offset, bytes) -> length[0] += bytes);
        return length[0];
    }

    private void writeSnapshot(final SnapshotWriter writer)
    {
        scratch.putInt(0, SNAPSHOT_MAGIC);
        scratch.putInt(4, SNAPSHOT_VERSION);
        scratch.putInt(8, serviceIds.length);
        writer.write(scratch, 0, 12);
        sessions.snapshot(writer);
        for (int i = 0; i < serviceIds.length; i++)
        {
            scratch.putInt(0, serviceIds[i]);
            writer.write(scratch, 0, 4);
            servicesInOrder[i].snapshot(writer);
        }
    }

    /**
     * Drops the log below the current snapshot, less what a follower a little behind still needs. Only a durable
     * snapshot counts: one still being written in the background is not current yet.
     */
    private int compactBehindSnapshot()
    {
        if (!snapshots.hasSnapshot())
        {
            return 0;
        }
        final long compactIndex = snapshots.index() - ctx.snapshotRetainEntries();
        if (compactIndex > log.firstIndex() - 1)
        {
            log.compactTo(compactIndex);
            return 1;
        }
        return 0;
    }

    private void restoreState(final SnapshotReader reader)
    {
        reader.readFully(scratch, 0, 12);
        if (scratch.getInt(0) != SNAPSHOT_MAGIC || scratch.getInt(4) != SNAPSHOT_VERSION ||
            scratch.getInt(8) != serviceIds.length)
        {
            throw new GridException(Status.MALFORMED, "not a snapshot of this node's services");
        }
        sessions.restore(reader);
        for (int i = 0; i < serviceIds.length; i++)
        {
            reader.readFully(scratch, 0, 4);
            if (scratch.getInt(0) != serviceIds[i])
            {
                throw new GridException(Status.MALFORMED, "snapshot has service " + scratch.getInt(0) +
                    " where " + serviceIds[i] + " was expected");
            }
            servicesInOrder[i].restore(reader);
        }
        if (reader.remaining() != 0)
        {
            throw new GridException(Status.MALFORMED, "snapshot has " + reader.remaining() + " bytes left over");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Apply, sessions and answers
    // ------------------------------------------------------------------------------------------------------------

    private int applyCommitted()
    {
        int applied = 0;
        while (appliedIndex < commitIndex)
        {
            final long index = appliedIndex + 1;
            final LogEntryView entry = log.entry(index);
            applyEntry(index, entry);
            appliedIndex = index;
            lastAppliedTimestamp = entry.timestamp();
            appliedListener.onApplied(entry);
            applied++;
        }
        if (applied > 0)
        {
            maybeSnapshot();
        }
        return applied;
    }

    private void applyEntry(final long index, final LogEntryView entry)
    {
        final long timestamp = entry.timestamp();
        for (final StateMachine service : servicesInOrder)
        {
            service.onLogTime(index, timestamp);
        }
        applyingIndex = index;
        applyingTimestamp = timestamp;
        sessions.expire(timestamp, expiryHandler);
        final boolean answer = role == RaftRole.LEADER;
        final long sessionId = entry.sessionId();
        final long requestSequence = entry.requestSequence();
        switch (entry.entryType())
        {
            case COMMAND:
                applyCommand(index, timestamp, entry, answer);
                break;
            case SESSION_OPEN:
            {
                final int slot = sessions.open(index, timestamp);
                if (answer)
                {
                    egress.onSessionOpened(
                        requestSequence, slot < 0 ? 0 : index, slot < 0 ? Status.LIMIT_EXCEEDED : Status.OK);
                }
                break;
            }
            case SESSION_KEEP_ALIVE:
            {
                final int slot = sessions.slotOf(sessionId);
                if (slot >= 0)
                {
                    sessions.touch(slot, timestamp);
                }
                answerSession(answer, sessionId, requestSequence, index, slot >= 0);
                break;
            }
            case SESSION_CLOSE:
            {
                final int slot = sessions.slotOf(sessionId);
                if (slot >= 0)
                {
                    sessions.close(slot);
                    for (final StateMachine service : servicesInOrder)
                    {
                        service.onSessionClosed(index, timestamp, sessionId);
                    }
                }
                answerSession(answer, sessionId, requestSequence, index, slot >= 0);
                break;
            }
            case ACCESS_HINTS:
            {
                final StateMachine service = servicesById.get(entry.serviceId());
                if (null != service)
                {
                    applyToService(service, index, timestamp, 0, 0, entry);
                }
                break;
            }
            default:
                break;
        }
    }

    private void answerSession(
        final boolean answer, final long sessionId, final long correlationId, final long index, final boolean known)
    {
        if (answer)
        {
            egress.onResponse(sessionId, correlationId, known ? index : 0, ClientEgress.SESSION_SERVICE_ID,
                known ? Status.OK : Status.UNKNOWN_SESSION, EMPTY, 0, 0);
        }
    }

    private void applyCommand(final long index, final long timestamp, final LogEntryView entry, final boolean answer)
    {
        final long sessionId = entry.sessionId();
        final long requestSequence = entry.requestSequence();
        final int serviceId = entry.serviceId();
        final int slot = sessions.slotOf(sessionId);
        if (slot < 0)
        {
            if (answer)
            {
                egress.onResponse(sessionId, requestSequence, 0, serviceId, Status.UNKNOWN_SESSION, EMPTY, 0, 0);
            }
            return;
        }
        sessions.touch(slot, timestamp);
        final int lookup = sessions.lookup(slot, requestSequence);
        if (SessionTable.DUPLICATE == lookup)
        {
            if (answer)
            {
                answerCached(slot, sessionId, requestSequence);
            }
            return;
        }
        if (SessionTable.TOO_OLD == lookup)
        {
            if (answer)
            {
                egress.onResponse(sessionId, requestSequence, 0, serviceId, Status.LIMIT_EXCEEDED, EMPTY, 0, 0);
            }
            return;
        }
        final StateMachine service = servicesById.get(serviceId);
        Status status = Status.OK;
        int length = 0;
        if (null == service)
        {
            status = Status.UNKNOWN_SERVICE;
        }
        else
        {
            try
            {
                length = applyToService(service, index, timestamp, sessionId, requestSequence, entry);
            }
            catch (final GridException ex)
            {
                status = ex.status();
                length = 0;
            }
        }
        sessions.store(slot, requestSequence, index, serviceId, status, responseBuffer, 0, length);
        if (answer)
        {
            egress.onResponse(sessionId, requestSequence, index, serviceId, status, responseBuffer, 0, length);
        }
    }

    private int applyToService(
        final StateMachine service,
        final long index,
        final long timestamp,
        final long sessionId,
        final long requestSequence,
        final LogEntryView entry)
    {
        return service.apply(index, timestamp, sessionId, requestSequence, entry.buffer(), entry.payloadOffset(),
            entry.payloadLength(), responseBuffer, 0);
    }

    private void answerCached(final int slot, final long sessionId, final long requestSequence)
    {
        egress.onResponse(
            sessionId,
            requestSequence,
            sessions.cachedLogIndex(slot, requestSequence),
            sessions.cachedServiceId(slot, requestSequence),
            sessions.cachedStatus(slot, requestSequence),
            sessions.records(),
            sessions.cachedOffset(slot, requestSequence),
            sessions.cachedLength(slot, requestSequence));
    }

    private void onSessionExpired(final long sessionId)
    {
        for (final StateMachine service : servicesInOrder)
        {
            service.onSessionClosed(applyingIndex, applyingTimestamp, sessionId);
        }
    }

    private void onDeferredResponse(
        final int serviceId,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer response,
        final int offset,
        final int length)
    {
        final int slot = sessions.slotOf(sessionId);
        if (slot < 0 || !sessions.holds(slot, requestSequence) || length > sessions.maxResponseLength())
        {
            return;
        }
        sessions.store(slot, requestSequence, applyingIndex, serviceId, Status.OK, response, offset, length);
        if (role == RaftRole.LEADER)
        {
            answerCached(slot, sessionId, requestSequence);
        }
    }

    private int serveReads()
    {
        if (0 == readCount)
        {
            return 0;
        }
        for (int p = 0; p < members.length; p++)
        {
            sortScratch[p] = p == selfPosition ? readRound : ackedReadRound[p];
        }
        Arrays.sort(sortScratch);
        final long confirmedRound = sortScratch[members.length - quorum];
        int served = 0;
        while (readCount > 0)
        {
            final int slot = readHead;
            if (readRounds[slot] > confirmedRound || readIndexes[slot] > appliedIndex)
            {
                break;
            }
            readHead = (readHead + 1) % readCorrelationIds.length;
            readCount--;
            egress.onReadReady(readCorrelationIds[slot], readIndexes[slot]);
            served++;
        }
        return served;
    }

    private void failPendingReads()
    {
        while (readCount > 0)
        {
            final int slot = readHead;
            readHead = (readHead + 1) % readCorrelationIds.length;
            readCount--;
            egress.onReadFailed(readCorrelationIds[slot], Status.NOT_LEADER);
        }
        readBroadcastPending = false;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    private void send(final int p, final int length)
    {
        lastSendNs[p] = nowNs;
        outbox.send(members[p], sendBuffer, 0, length);
    }

    private int peerPosition(final int id)
    {
        final int p = positionOf(members, id);
        return p == selfPosition ? -1 : p;
    }

    private static int positionOf(final int[] members, final int id)
    {
        for (int i = 0; i < members.length; i++)
        {
            if (members[i] == id)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * A node's configuration. {@link #conclude()} reads defaults from system properties and checks the values.
     * <p>
     * Timeouts: the defaults (election timeout randomised in [500 ms, 1000 ms), heartbeat every 100 ms) are far
     * above what Raft needs on a quiet network, on purpose. A node shares two cores with the JIT, the GC and other
     * JVMs; a stalled duty cycle of a few hundred milliseconds must not look like a dead leader, or the cluster churns
     * through elections exactly when it is loaded. Five heartbeats fit in the shortest election timeout, so two
     * lost heartbeats or a 300 ms pause do not start an election; the 2x spread keeps split votes rare.
     */
    public static final class Context
    {
        public static final String ELECTION_TIMEOUT_MIN_PROP_NAME = "grid.raft.election.timeout.min";
        public static final long ELECTION_TIMEOUT_MIN_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(500);
        public static final String ELECTION_TIMEOUT_MAX_PROP_NAME = "grid.raft.election.timeout.max";
        public static final long ELECTION_TIMEOUT_MAX_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(1000);
        public static final String HEARTBEAT_INTERVAL_PROP_NAME = "grid.raft.heartbeat.interval";
        public static final long HEARTBEAT_INTERVAL_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(100);
        public static final String MAX_BATCH_BYTES_PROP_NAME = "grid.raft.max.batch.bytes";
        public static final int MAX_BATCH_BYTES_DEFAULT = 64 * 1024;
        public static final String MAX_INFLIGHT_APPENDS_PROP_NAME = "grid.raft.max.inflight.appends";
        public static final int MAX_INFLIGHT_APPENDS_DEFAULT = 8;
        public static final String MAX_ENTRY_LENGTH_PROP_NAME = "grid.raft.max.entry.length";
        public static final int MAX_ENTRY_LENGTH_DEFAULT = 64 * 1024;
        public static final String MAX_UNCOMMITTED_ENTRIES_PROP_NAME = "grid.raft.max.uncommitted.entries";
        public static final int MAX_UNCOMMITTED_ENTRIES_DEFAULT = 16 * 1024;
        public static final String SNAPSHOT_THRESHOLD_PROP_NAME = "grid.raft.snapshot.threshold.entries";
        public static final long SNAPSHOT_THRESHOLD_DEFAULT = 100_000;
        public static final String SNAPSHOT_RETAIN_PROP_NAME = "grid.raft.snapshot.retain.entries";
        public static final long SNAPSHOT_RETAIN_DEFAULT = 10_000;
        public static final String SNAPSHOT_CHUNK_BYTES_PROP_NAME = "grid.raft.snapshot.chunk.bytes";
        public static final int SNAPSHOT_CHUNK_BYTES_DEFAULT = 64 * 1024;
        public static final String SESSION_TIMEOUT_PROP_NAME = "grid.raft.session.timeout";
        public static final long SESSION_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);
        public static final String MAX_SESSIONS_PROP_NAME = "grid.raft.max.sessions";
        public static final int MAX_SESSIONS_DEFAULT = 1024;
        public static final String RESPONSES_PER_SESSION_PROP_NAME = "grid.raft.responses.per.session";
        public static final int RESPONSES_PER_SESSION_DEFAULT = 16;
        public static final String MAX_RESPONSE_LENGTH_PROP_NAME = "grid.raft.max.response.length";
        public static final int MAX_RESPONSE_LENGTH_DEFAULT = 512;
        public static final String MAX_PENDING_READS_PROP_NAME = "grid.raft.max.pending.reads";
        public static final int MAX_PENDING_READS_DEFAULT = 4096;

        private boolean concluded;
        private int nodeId = NONE;
        private int[] members;
        private long electionTimeoutMinNs = SystemUtil.getDurationInNanos(ELECTION_TIMEOUT_MIN_PROP_NAME, ELECTION_TIMEOUT_MIN_DEFAULT_NS);
        private long electionTimeoutMaxNs = SystemUtil.getDurationInNanos(ELECTION_TIMEOUT_MAX_PROP_NAME, ELECTION_TIMEOUT_MAX_DEFAULT_NS);
        private long heartbeatIntervalNs = SystemUtil.getDurationInNanos(HEARTBEAT_INTERVAL_PROP_NAME, HEARTBEAT_INTERVAL_DEFAULT_NS);
        private int maxBatchBytes = Integer.getInteger(MAX_BATCH_BYTES_PROP_NAME, MAX_BATCH_BYTES_DEFAULT);
        private int maxInflightAppends = Integer.getInteger(MAX_INFLIGHT_APPENDS_PROP_NAME,
            MAX_INFLIGHT_APPENDS_DEFAULT);
        private int maxEntryLength = Integer.getInteger(MAX_ENTRY_LENGTH_PROP_NAME, MAX_ENTRY_LENGTH_DEFAULT);
        private int maxUncommittedEntries = Integer.getInteger(MAX_UNCOMMITTED_ENTRIES_PROP_NAME,
            MAX_UNCOMMITTED_ENTRIES_DEFAULT);
        private long snapshotThresholdEntries = Long.getLong(SNAPSHOT_THRESHOLD_PROP_NAME, SNAPSHOT_THRESHOLD_DEFAULT);
        private long snapshotRetainEntries = Long.getLong(SNAPSHOT_RETAIN_PROP_NAME, SNAPSHOT_RETAIN_DEFAULT);
        private int snapshotChunkBytes = Integer.getInteger(SNAPSHOT_CHUNK_BYTES_PROP_NAME,
            SNAPSHOT_CHUNK_BYTES_DEFAULT);
        private long sessionTimeoutNs = SystemUtil.getDurationInNanos(SESSION_TIMEOUT_PROP_NAME, SESSION_TIMEOUT_DEFAULT_NS);
        private int maxSessions = Integer.getInteger(MAX_SESSIONS_PROP_NAME, MAX_SESSIONS_DEFAULT);
        private int responsesPerSession = Integer.getInteger(RESPONSES_PER_SESSION_PROP_NAME,
            RESPONSES_PER_SESSION_DEFAULT);
        private int maxResponseLength = Integer.getInteger(MAX_RESPONSE_LENGTH_PROP_NAME,
            MAX_RESPONSE_LENGTH_DEFAULT);
        private int maxPendingReads = Integer.getInteger(MAX_PENDING_READS_PROP_NAME, MAX_PENDING_READS_DEFAULT);
        private RaftLog log;
        private Outbox outbox;
        private ClientEgress egress;
        private SnapshotStore snapshotStore;
        private RandomSource random;
        private RaftFaults faults = RaftFaults.NONE;
        private AppliedEntryListener appliedEntryListener = AppliedEntryListener.NONE;
        private final Int2ObjectHashMap<StateMachine> services = new Int2ObjectHashMap<>();

        /**
         * Checks the configuration and fills what was left to defaults. Called by the node; idempotent.
         *
         * @return this.
         * @throws IllegalArgumentException for a configuration that cannot work.
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            if (null == members || 0 == members.length)
            {
                throw new IllegalArgumentException("members are required");
            }
            for (int i = 0; i < members.length; i++)
            {
                if (members[i] < 0)
                {
                    throw new IllegalArgumentException("member ids must not be negative: " + members[i]);
                }
                for (int j = i + 1; j < members.length; j++)
                {
                    if (members[i] == members[j])
                    {
                        throw new IllegalArgumentException("duplicate member id " + members[i]);
                    }
                }
            }
            if (positionOf(members, nodeId) < 0)
            {
                throw new IllegalArgumentException("node " + nodeId + " is not one of the members");
            }
            require(electionTimeoutMinNs > 0 && electionTimeoutMaxNs >= electionTimeoutMinNs,
                "election timeout range [" + electionTimeoutMinNs + ", " + electionTimeoutMaxNs + ") is invalid");
            require(heartbeatIntervalNs > 0 && 2 * heartbeatIntervalNs <= electionTimeoutMinNs,
                "heartbeat interval " + heartbeatIntervalNs + " must be at most half the election timeout");
            require(maxBatchBytes > 0, "maxBatchBytes must be positive");
            require(maxInflightAppends > 0, "maxInflightAppends must be positive");
            require(maxEntryLength >= LogEntryWriter.EMPTY_ENTRY_LENGTH, "maxEntryLength is too small");
            require(maxUncommittedEntries > 0, "maxUncommittedEntries must be positive");
            require(snapshotThresholdEntries > 0, "snapshotThresholdEntries must be positive");
            require(snapshotRetainEntries >= 0, "snapshotRetainEntries must not be negative");
            require(snapshotChunkBytes > 0, "snapshotChunkBytes must be positive");
            require(sessionTimeoutNs > 0, "sessionTimeout must be positive");
            require(maxSessions > 0, "maxSessions must be positive");
            require(responsesPerSession > 0, "responsesPerSession must be positive");
            require(maxResponseLength >= 0, "maxResponseLength must not be negative");
            require(maxPendingReads > 0, "maxPendingReads must be positive");
            require(null != log, "log is required");
            require(null != outbox, "outbox is required");
            require(null != egress, "egress is required");
            require(null != snapshotStore, "snapshotStore is required");
            if (services.containsKey(ClientEgress.SESSION_SERVICE_ID))
            {
                throw new IllegalArgumentException("service id " + ClientEgress.SESSION_SERVICE_ID + " is reserved");
            }
            if (null == random)
            {
                random = new SplitMixRandom(0x5EED_0000_0000L + nodeId);
            }
            concluded = true;
            return this;
        }

        private static void require(final boolean condition, final String message)
        {
            if (!condition)
            {
                throw new IllegalArgumentException(message);
            }
        }

        public int nodeId()
        {
            return nodeId;
        }

        public Context nodeId(final int nodeId)
        {
            this.nodeId = nodeId;
            return this;
        }

        public int[] members()
        {
            return members;
        }

        /**
         * @param members every voting member's id, this node's included; the same list on every node.
         * @return this.
         */
        public Context members(final int... members)
        {
            this.members = members.clone();
            return this;
        }

        public long electionTimeoutMinNs()
        {
            return electionTimeoutMinNs;
        }

        public Context electionTimeoutMinNs(final long electionTimeoutMinNs)
        {
            this.electionTimeoutMinNs = electionTimeoutMinNs;
            return this;
        }

        public long electionTimeoutMaxNs()
        {
            return electionTimeoutMaxNs;
        }

        public Context electionTimeoutMaxNs(final long electionTimeoutMaxNs)
        {
            this.electionTimeoutMaxNs = electionTimeoutMaxNs;
            return this;
        }

        public long heartbeatIntervalNs()
        {
            return heartbeatIntervalNs;
        }

        public Context heartbeatIntervalNs(final long heartbeatIntervalNs)
        {
            this.heartbeatIntervalNs = heartbeatIntervalNs;
            return this;
        }

        public int maxBatchBytes()
        {
            return maxBatchBytes;
        }

        /**
         * @param maxBatchBytes the most entry bytes in one AppendEntries (a single larger entry still goes alone).
         * @return this.
         */
        public Context maxBatchBytes(final int maxBatchBytes)
        {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        public int maxInflightAppends()
        {
            return maxInflightAppends;
        }

        /**
         * @param maxInflightAppends AppendEntries with entries sent to one follower and not yet acknowledged.
         * @return this.
         */
        public Context maxInflightAppends(final int maxInflightAppends)
        {
            this.maxInflightAppends = maxInflightAppends;
            return this;
        }

        public int maxEntryLength()
        {
            return maxEntryLength;
        }

        /**
         * @param maxEntryLength the largest encoded entry accepted; at most the log's own maximum.
         * @return this.
         */
        public Context maxEntryLength(final int maxEntryLength)
        {
            this.maxEntryLength = maxEntryLength;
            return this;
        }

        public int maxUncommittedEntries()
        {
            return maxUncommittedEntries;
        }

        public Context maxUncommittedEntries(final int maxUncommittedEntries)
        {
            this.maxUncommittedEntries = maxUncommittedEntries;
            return this;
        }

        public long snapshotThresholdEntries()
        {
            return snapshotThresholdEntries;
        }

        /**
         * @param snapshotThresholdEntries entries applied since the last snapshot that trigger the next one.
         * @return this.
         */
        public Context snapshotThresholdEntries(final long snapshotThresholdEntries)
        {
            this.snapshotThresholdEntries = snapshotThresholdEntries;
            return this;
        }

        public long snapshotRetainEntries()
        {
            return snapshotRetainEntries;
        }

        /**
         * @param snapshotRetainEntries entries kept below a snapshot when compacting, so a follower a little behind
         *                              catches up from the log rather than by InstallSnapshot.
         * @return this.
         */
        public Context snapshotRetainEntries(final long snapshotRetainEntries)
        {
            this.snapshotRetainEntries = snapshotRetainEntries;
            return this;
        }

        public int snapshotChunkBytes()
        {
            return snapshotChunkBytes;
        }

        public Context snapshotChunkBytes(final int snapshotChunkBytes)
        {
            this.snapshotChunkBytes = snapshotChunkBytes;
            return this;
        }

        public long sessionTimeoutNs()
        {
            return sessionTimeoutNs;
        }

        /**
         * @param sessionTimeoutNs log time without activity after which a session expires.
         * @return this.
         */
        public Context sessionTimeoutNs(final long sessionTimeoutNs)
        {
            this.sessionTimeoutNs = sessionTimeoutNs;
            return this;
        }

        public int maxSessions()
        {
            return maxSessions;
        }

        public Context maxSessions(final int maxSessions)
        {
            this.maxSessions = maxSessions;
            return this;
        }

        public int responsesPerSession()
        {
            return responsesPerSession;
        }

        /**
         * @param responsesPerSession responses kept per session for retries: a client may have this many requests
         *                            outstanding.
         * @return this.
         */
        public Context responsesPerSession(final int responsesPerSession)
        {
            this.responsesPerSession = responsesPerSession;
            return this;
        }

        public int maxResponseLength()
        {
            return maxResponseLength;
        }

        public Context maxResponseLength(final int maxResponseLength)
        {
            this.maxResponseLength = maxResponseLength;
            return this;
        }

        public int maxPendingReads()
        {
            return maxPendingReads;
        }

        public Context maxPendingReads(final int maxPendingReads)
        {
            this.maxPendingReads = maxPendingReads;
            return this;
        }

        public RaftLog log()
        {
            return log;
        }

        public Context log(final RaftLog log)
        {
            this.log = log;
            return this;
        }

        public Outbox outbox()
        {
            return outbox;
        }

        public Context outbox(final Outbox outbox)
        {
            this.outbox = outbox;
            return this;
        }

        public ClientEgress egress()
        {
            return egress;
        }

        public Context egress(final ClientEgress egress)
        {
            this.egress = egress;
            return this;
        }

        public SnapshotStore snapshotStore()
        {
            return snapshotStore;
        }

        public Context snapshotStore(final SnapshotStore snapshotStore)
        {
            this.snapshotStore = snapshotStore;
            return this;
        }

        public RandomSource random()
        {
            return random;
        }

        /**
         * @param random the seeded source of election timeout jitter; by default seeded from the node id.
         * @return this.
         */
        public Context random(final RandomSource random)
        {
            this.random = random;
            return this;
        }

        RaftFaults faults()
        {
            return faults;
        }

        Context faults(final RaftFaults faults)
        {
            this.faults = faults;
            return this;
        }

        public AppliedEntryListener appliedEntryListener()
        {
            return appliedEntryListener;
        }

        public Context appliedEntryListener(final AppliedEntryListener appliedEntryListener)
        {
            this.appliedEntryListener = appliedEntryListener;
            return this;
        }

        public Int2ObjectHashMap<StateMachine> services()
        {
            return services;
        }

        /**
         * @param serviceId    the id commands name; {@link ClientEgress#SESSION_SERVICE_ID} is reserved.
         * @param stateMachine the service.
         * @return this.
         */
        public Context service(final int serviceId, final StateMachine stateMachine)
        {
            services.put(serviceId, stateMachine);
            return this;
        }
    }
}
