package dev.grid.node;

import dev.grid.cache.AccessHintBatch;
import dev.grid.cache.CacheStateMachine;
import dev.grid.consensus.ClientEgress;
import dev.grid.consensus.Outbox;
import dev.grid.consensus.RaftNode;
import dev.grid.consensus.RaftRole;
import dev.grid.core.MessageBounds;
import dev.grid.core.ServiceQuery;
import dev.grid.core.StateChecksum;
import dev.grid.core.StateMachine;
import dev.grid.locks.LockTable;
import dev.grid.sbe.CloseSessionRequestDecoder;
import dev.grid.sbe.CommandRequestDecoder;
import dev.grid.sbe.CommandResponseEncoder;
import dev.grid.sbe.KeepAliveRequestDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.NodeRole;
import dev.grid.sbe.NodeStatusEncoder;
import dev.grid.sbe.NodeStatusRequestDecoder;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.ReadRequestDecoder;
import dev.grid.sbe.ReadResponseEncoder;
import dev.grid.sbe.SessionConnectDecoder;
import dev.grid.sbe.SessionEventEncoder;
import dev.grid.sbe.Status;
import dev.grid.transport.AeronTransport;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The node's one thread. Each duty cycle polls peers (into Raft), polls clients (into Raft, or answered at once),
 * appends the access hints the leader collected, and ticks Raft, which syncs the log, commits, sends, applies
 * committed entries to the caches and the lock table, and answers through {@link ClientEgress}; then it runs the
 * embedded media driver's duty cycle (when the driver has no thread of its own), which sends and receives.
 * Everything it touches is single-threaded and allocated at start: steady state allocates nothing.
 */
final class GridNodeAgent implements Agent, Outbox, ClientEgress
{
    private static final int FRAGMENT_LIMIT = 32;
    private static final long HOUSEKEEPING_INTERVAL_NS = 1_000_000_000L;
    private static final UnsafeBuffer NO_BYTES = new UnsafeBuffer(new byte[0]);

    private final int memberId;
    private final String roleName;
    private Runnable onAgentStart;
    private final EpochNanoClock clock;
    private final long hintIntervalNs;
    private final MessageBounds bounds = MessageBounds.instance();
    private final Int2ObjectHashMap<StateMachine> services = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<ServiceQuery> queries = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<AccessHintBatch> hintsByCache = new Int2ObjectHashMap<>();
    private final int[] serviceIdsInOrder;
    private final CacheStateMachine[] caches;
    private final LockTable locks;
    private final StateChecksum stateChecksum = new StateChecksum();

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SessionConnectDecoder connectDecoder = new SessionConnectDecoder();
    private final CommandRequestDecoder commandDecoder = new CommandRequestDecoder();
    private final KeepAliveRequestDecoder keepAliveDecoder = new KeepAliveRequestDecoder();
    private final CloseSessionRequestDecoder closeDecoder = new CloseSessionRequestDecoder();
    private final ReadRequestDecoder readDecoder = new ReadRequestDecoder();
    private final NodeStatusRequestDecoder statusRequestDecoder = new NodeStatusRequestDecoder();
    private final SessionEventEncoder sessionEventEncoder = new SessionEventEncoder();
    private final CommandResponseEncoder commandResponseEncoder = new CommandResponseEncoder();
    private final ReadResponseEncoder readResponseEncoder = new ReadResponseEncoder();
    private final NodeStatusEncoder nodeStatusEncoder = new NodeStatusEncoder();
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer sendBuffer;
    private final UnsafeBuffer resultBuffer;
    private final UnsafeBuffer hintBuffer;

    private AeronTransport transport;
    private RaftNode raft;
    private ClientConnections connections;
    private PendingRequests pending;
    private NodeCounters counters;
    private long nowNs;
    private long nextHousekeepingNs;
    private long nextHintFlushNs;

    GridNodeAgent(
        final GridNode.Context ctx,
        final EpochNanoClock clock,
        final CacheStateMachine[] caches,
        final LockTable locks,
        final int locksServiceId)
    {
        this.memberId = ctx.transport().memberId();
        this.roleName = "grid-node-" + memberId;
        this.clock = clock;
        this.hintIntervalNs = ctx.accessHintIntervalNs();
        this.caches = caches;
        this.locks = locks;
        services.put(locksServiceId, locks);
        queries.put(locksServiceId, locks);
        serviceIdsInOrder = new int[caches.length + 1];
        serviceIdsInOrder[0] = locksServiceId;
        for (int i = 0; i < caches.length; i++)
        {
            final int serviceId = caches[i].context().serviceId();
            services.put(serviceId, caches[i]);
            queries.put(serviceId, caches[i]);
            hintsByCache.put(serviceId, new AccessHintBatch(caches[i].context().maxBatchSize()));
            serviceIdsInOrder[i + 1] = serviceId;
        }
        java.util.Arrays.sort(serviceIdsInOrder);
        final int messageLength = ctx.transport().maxMessageLength();
        sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(messageLength));
        resultBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(messageLength));
        hintBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(messageLength));
    }

    /**
     * Completes the wiring: the transport and Raft are built after the agent because both call back into it.
     */
    void wire(
        final AeronTransport transport, final RaftNode raft, final GridNode.Context ctx, final Runnable onAgentStart)
    {
        this.onAgentStart = onAgentStart;
        this.transport = transport;
        this.raft = raft;
        connections = new ClientConnections(transport, ctx.transport().maxClients());
        pending = new PendingRequests(memberId, ctx.maxPendingRequests(), ctx.maxQueryLength());
        counters = new NodeCounters(transport.aeron(), memberId, caches, locks, ctx.slowDutyCycleNs());
    }

    public String roleName()
    {
        return roleName;
    }

    public int doWork()
    {
        nowNs = clock.nanoTime();
        counters.dutyCycle.measureAndUpdate(nowNs);
        int work = transport.pollPeers(FRAGMENT_LIMIT);
        work += transport.pollIngress(FRAGMENT_LIMIT);
        if (nowNs >= nextHintFlushNs)
        {
            nextHintFlushNs = nowNs + hintIntervalNs;
            work += flushAccessHints();
        }
        work += raft.tick(nowNs);
        if (nowNs >= nextHousekeepingNs)
        {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            work += connections.closeIdle(nowNs);
        }
        counters.update(raft);
        // Last, so what this cycle published leaves at once (and what arrived meanwhile is read next cycle).
        return work + transport.invokeDriver();
    }

    public void onStart()
    {
        onAgentStart.run();
        counters.dutyCycle.update(clock.nanoTime());
    }

    public void onClose()
    {
        counters.close();
    }

    // ------------------------------------------------------------------------------------------------ peers

    public void send(final int toNodeId, final DirectBuffer buffer, final int offset, final int length)
    {
        transport.sendToPeer(toNodeId, buffer, offset, length);
    }

    void onPeerMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        raft.step(buffer, offset, length);
    }

    // ------------------------------------------------------------------------------------------------ clients in

    void onClientMessage(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (bounds.check(buffer, offset, length) < 0)
        {
            counters.malformedClient.incrementRelease();
            return;
        }
        headerDecoder.wrap(buffer, offset);
        switch (headerDecoder.templateId())
        {
            case CommandRequestDecoder.TEMPLATE_ID:
                commandDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onCommand();
                break;
            case ReadRequestDecoder.TEMPLATE_ID:
                readDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onRead();
                break;
            case KeepAliveRequestDecoder.TEMPLATE_ID:
                keepAliveDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onKeepAlive(keepAliveDecoder.sessionId(), keepAliveDecoder.correlationId(), false);
                break;
            case CloseSessionRequestDecoder.TEMPLATE_ID:
                closeDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onKeepAlive(closeDecoder.sessionId(), closeDecoder.correlationId(), true);
                break;
            case SessionConnectDecoder.TEMPLATE_ID:
                connectDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onConnect();
                break;
            case NodeStatusRequestDecoder.TEMPLATE_ID:
                statusRequestDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onStatusRequest();
                break;
            default:
                counters.malformedClient.incrementRelease();
                break;
        }
    }

    private void onConnect()
    {
        final long correlationId = connectDecoder.correlationId();
        final long sessionId = connectDecoder.sessionId();
        final int streamId = connectDecoder.responseStreamId();
        // A connect is rare (a client starting, or following a new leader): the channel's String is allowed here.
        final int slot = connections.connect(connectDecoder.responseChannel(), streamId, nowNs);
        if (slot < 0)
        {
            return;
        }
        if (raft.role() != RaftRole.LEADER)
        {
            sendSessionEvent(slot, correlationId, 0, Status.NOT_LEADER);
        }
        else if (0 != sessionId)
        {
            // Reattach without asking whether the session exists: a new leader may not have applied its open yet.
            // A session that is really gone is told by the log, at the next command (UNKNOWN_SESSION).
            connections.attachSession(sessionId, slot);
            sendSessionEvent(slot, correlationId, sessionId, Status.OK);
        }
        else
        {
            final int record = pending.add(correlationId, 0, slot, SESSION_SERVICE_ID);
            if (PendingRequests.NONE == record)
            {
                sendSessionEvent(slot, correlationId, 0, Status.LIMIT_EXCEEDED);
                return;
            }
            final Status status = raft.openSession(pending.id(record));
            if (Status.OK != status)
            {
                pending.remove(record);
                sendSessionEvent(slot, correlationId, 0, status);
            }
        }
    }

    private void onCommand()
    {
        final long sessionId = commandDecoder.sessionId();
        final long sequence = commandDecoder.requestSequence();
        final int serviceId = commandDecoder.serviceId();
        commandDecoder.wrapCommand(payload);
        final Status status;
        if (raft.role() != RaftRole.LEADER)
        {
            status = Status.NOT_LEADER;
        }
        else
        {
            status = raft.propose(serviceId, sessionId, sequence, payload, 0, payload.capacity());
        }
        if (Status.OK != status)
        {
            sendCommandResponse(sessionId, sequence, 0, serviceId, status, NO_BYTES, 0, 0);
        }
    }

    private void onKeepAlive(final long sessionId, final long correlationId, final boolean close)
    {
        final Status status;
        if (raft.role() != RaftRole.LEADER)
        {
            status = Status.NOT_LEADER;
        }
        else
        {
            status = close ? raft.closeSession(sessionId, correlationId) : raft.keepAlive(sessionId, correlationId);
        }
        if (Status.OK != status)
        {
            sendCommandResponse(sessionId, correlationId, 0, SESSION_SERVICE_ID, status, NO_BYTES, 0, 0);
        }
    }

    private void onRead()
    {
        final long sessionId = readDecoder.sessionId();
        final long correlationId = readDecoder.correlationId();
        final int serviceId = readDecoder.serviceId();
        final ReadConsistency consistency = readDecoder.consistency();
        readDecoder.wrapQuery(payload);
        final int slot = connections.egressOf(sessionId);
        if (slot < 0)
        {
            return;
        }
        if (!queries.containsKey(serviceId))
        {
            sendReadResponse(slot, sessionId, correlationId, Status.UNKNOWN_SERVICE, 0);
        }
        else if (ReadConsistency.LOCAL == consistency)
        {
            final int length = query(serviceId, payload, 0, payload.capacity());
            sendReadResponse(slot, sessionId, correlationId, Status.OK, length);
        }
        else if (raft.role() != RaftRole.LEADER)
        {
            sendReadResponse(slot, sessionId, correlationId, Status.NOT_LEADER, 0);
        }
        else if (payload.capacity() > pending.maxQueryLength())
        {
            sendReadResponse(slot, sessionId, correlationId, Status.TOO_LARGE, 0);
        }
        else
        {
            final int record = pending.add(correlationId, sessionId, slot, serviceId);
            if (PendingRequests.NONE == record)
            {
                sendReadResponse(slot, sessionId, correlationId, Status.LIMIT_EXCEEDED, 0);
                return;
            }
            pending.putQuery(record, payload, 0, payload.capacity());
            final Status status = raft.read(pending.id(record));
            if (Status.OK != status)
            {
                pending.remove(record);
                sendReadResponse(slot, sessionId, correlationId, status, 0);
            }
        }
    }

    private void onStatusRequest()
    {
        final long correlationId = statusRequestDecoder.correlationId();
        final int streamId = statusRequestDecoder.responseStreamId();
        final int slot = connections.connect(statusRequestDecoder.responseChannel(), streamId, nowNs);
        if (slot < 0)
        {
            return;
        }
        nodeStatusEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .term(raft.term())
            .commitIndex(raft.commitIndex())
            .appliedIndex(raft.appliedIndex())
            .stateChecksum(stateChecksum())
            .memberId(memberId)
            .leaderMemberId(raft.leaderId())
            .sessions(raft.sessionCount())
            .role(NodeRole.get((short)raft.role().ordinal()));
        transport.sendToClient(slot, sendBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + nodeStatusEncoder.encodedLength());
    }

    /**
     * @return the checksum of every service and of the session table at the applied index, in service id order.
     */
    long stateChecksum()
    {
        stateChecksum.reset();
        for (final int serviceId : serviceIdsInOrder)
        {
            stateChecksum.update(serviceId).update(services.get(serviceId).checksum());
        }
        return stateChecksum.update(raft.sessionChecksum()).value();
    }

    // ------------------------------------------------------------------------------------------------ reads

    private int query(final int serviceId, final DirectBuffer query, final int offset, final int length)
    {
        final int resultLength = queries.get(serviceId).query(query, offset, length, resultBuffer, 0);
        if (raft.role() == RaftRole.LEADER)
        {
            final AccessHintBatch hints = hintsByCache.get(serviceId);
            if (null != hints)
            {
                final long keyHash = ((CacheStateMachine)services.get(serviceId)).lastQueryKeyHash();
                if (0 != keyHash && !hints.add(keyHash))
                {
                    flushAccessHints();
                    hints.add(keyHash);
                }
            }
        }
        return resultLength;
    }

    /**
     * Appends each cache's collected reads as one ACCESS_HINTS entry, so every replica counts them toward LRU/LFU
     * at the same index. A follower's, or a leader's that lost leadership, are dropped: those reads do not count.
     */
    private int flushAccessHints()
    {
        int work = 0;
        for (final CacheStateMachine cache : caches)
        {
            final int serviceId = cache.context().serviceId();
            final AccessHintBatch hints = hintsByCache.get(serviceId);
            if (hints.size() > 0)
            {
                if (raft.role() == RaftRole.LEADER)
                {
                    final int length = hints.encode(hintBuffer, 0);
                    raft.proposeAccessHints(serviceId, hintBuffer, 0, length);
                    work++;
                }
                hints.reset();
            }
        }
        return work;
    }

    // ------------------------------------------------------------------------------------------------ clients out

    public void onSessionOpened(final long requestId, final long sessionId, final Status status)
    {
        final int record = pending.recordOf(requestId);
        if (PendingRequests.NONE == record)
        {
            return;
        }
        final int slot = pending.egressSlot(record);
        final long correlationId = pending.correlationId(record);
        pending.remove(record);
        if (Status.OK == status)
        {
            connections.attachSession(sessionId, slot);
        }
        sendSessionEvent(slot, correlationId, sessionId, status);
    }

    public void onResponse(
        final long sessionId,
        final long requestSequence,
        final long logIndex,
        final int serviceId,
        final Status status,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        sendCommandResponse(sessionId, requestSequence, logIndex, serviceId, status, buffer, offset, length);
    }

    public void onReadReady(final long requestId, final long readIndex)
    {
        final int record = pending.recordOf(requestId);
        if (PendingRequests.NONE == record)
        {
            return;
        }
        final int resultLength = query(
            pending.serviceId(record), pending.queries(), pending.queryOffset(record), pending.queryLength(record));
        sendReadResponse(pending.egressSlot(record), pending.sessionId(record), pending.correlationId(record),
            Status.OK, resultLength);
        pending.remove(record);
    }

    public void onReadFailed(final long requestId, final Status status)
    {
        final int record = pending.recordOf(requestId);
        if (PendingRequests.NONE == record)
        {
            return;
        }
        sendReadResponse(pending.egressSlot(record), pending.sessionId(record), pending.correlationId(record),
            status, 0);
        pending.remove(record);
    }

    private void sendSessionEvent(final int slot, final long correlationId, final long sessionId, final Status status)
    {
        sessionEventEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .sessionId(sessionId)
            .leaderMemberId(raft.leaderId())
            .status(status)
            .putDetail(NO_BYTES, 0, 0);
        transport.sendToClient(
            slot, sendBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + sessionEventEncoder.encodedLength());
    }

    private void sendCommandResponse(
        final long sessionId,
        final long requestSequence,
        final long logIndex,
        final int serviceId,
        final Status status,
        final DirectBuffer buffer,
        final int offset,
        final int length)
    {
        final int slot = connections.egressOf(sessionId);
        if (slot < 0)
        {
            return;
        }
        commandResponseEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .sessionId(sessionId)
            .requestSequence(requestSequence)
            .logIndex(logIndex)
            .serviceId(serviceId)
            .leaderMemberId(raft.leaderId())
            .status(status)
            .putResult(buffer, offset, length)
            .putDetail(NO_BYTES, 0, 0);
        transport.sendToClient(
            slot, sendBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + commandResponseEncoder.encodedLength());
    }

    private void sendReadResponse(
        final int slot, final long sessionId, final long correlationId, final Status status, final int resultLength)
    {
        readResponseEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .appliedIndex(raft.appliedIndex())
            .leaderMemberId(raft.leaderId())
            .status(status)
            .putResult(resultBuffer, 0, resultLength)
            .putDetail(NO_BYTES, 0, 0);
        transport.sendToClient(
            slot, sendBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + readResponseEncoder.encodedLength());
    }
}
