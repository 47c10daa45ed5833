package dev.grid.client;

import dev.grid.consensus.ClientEgress;
import dev.grid.core.MessageBounds;
import dev.grid.sbe.CloseSessionRequestEncoder;
import dev.grid.sbe.CommandRequestEncoder;
import dev.grid.sbe.CommandResponseDecoder;
import dev.grid.sbe.KeepAliveRequestEncoder;
import dev.grid.sbe.LockResponseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.NodeStatusDecoder;
import dev.grid.sbe.NodeStatusRequestEncoder;
import dev.grid.sbe.ReadRequestEncoder;
import dev.grid.sbe.ReadResponseDecoder;
import dev.grid.sbe.SessionConnectEncoder;
import dev.grid.sbe.SessionEventDecoder;
import dev.grid.sbe.Status;
import dev.grid.transport.ClientTransport;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The client's one thread: it owns the session and the transport. It takes requests the application threads
 * submitted (a lock-free queue of pre-allocated {@link GridRequest}s), numbers commands with the session's
 * sequence, sends them to the leader, and completes them when the answer comes. It finds the leader by asking the
 * members in turn (following NOT_LEADER hints), reattaches the session after a leader change, resends what was not
 * answered (the same sequence, so the grid applies it once), polls queued lock requests, keeps the session alive,
 * and opens a new session if the grid expired the old one.
 */
final class ClientConductor implements Agent
{
    private static final int FRAGMENT_LIMIT = 32;
    private static final long TIMER_INTERVAL_NS = 1_000_000L;
    private static final int NO_MEMBER = -1;

    private final GridClient.Context ctx;
    private final NanoClock clock;
    private ClientTransport transport;
    private final GridRequest[] pool;
    private final ManyToOneConcurrentArrayQueue<GridRequest> submissions;
    private final GridRequest[] waiting;
    private final GridRequest[] commandsBySequence;
    private final Long2ObjectHashMap<GridRequest> readsByCorrelation = new Long2ObjectHashMap<>();
    private final GridClient.RequestPool requestPool;
    private final MessageBounds bounds = MessageBounds.instance();

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SessionConnectEncoder connectEncoder = new SessionConnectEncoder();
    private final CommandRequestEncoder commandEncoder = new CommandRequestEncoder();
    private final ReadRequestEncoder readEncoder = new ReadRequestEncoder();
    private final KeepAliveRequestEncoder keepAliveEncoder = new KeepAliveRequestEncoder();
    private final CloseSessionRequestEncoder closeEncoder = new CloseSessionRequestEncoder();
    private final NodeStatusRequestEncoder statusRequestEncoder = new NodeStatusRequestEncoder();
    private final SessionEventDecoder sessionEventDecoder = new SessionEventDecoder();
    private final CommandResponseDecoder commandResponseDecoder = new CommandResponseDecoder();
    private final ReadResponseDecoder readResponseDecoder = new ReadResponseDecoder();
    private final NodeStatusDecoder nodeStatusDecoder = new NodeStatusDecoder();
    private final LockResponseDecoder lockResponseDecoder = new LockResponseDecoder();
    private final UnsafeBuffer sendBuffer;
    private final UnsafeBuffer result = new UnsafeBuffer(0, 0);

    private int waitingHead;
    private int waitingCount;
    private long sessionId;
    private long nextSequence = 1;
    private long nextCorrelationId;
    private boolean connected;
    private int connectTarget = NO_MEMBER;
    private int leaderHint = NO_MEMBER;
    private long connectCorrelationId;
    private long connectDeadlineNs;
    private long nextKeepAliveNs;
    private long nextTimerNs;
    private long nowNs;
    private boolean awaitingAnswer;
    private long awaitingAnswerSinceNs;
    private final AtomicLong resends = new AtomicLong();
    private final AtomicLong leaderLosses = new AtomicLong();
    private volatile long sessionIdPublished;
    private volatile int leaderPublished = NO_MEMBER;

    ClientConductor(
        final GridClient.Context ctx,
        final NanoClock clock,
        final GridRequest[] pool,
        final ManyToOneConcurrentArrayQueue<GridRequest> submissions,
        final GridClient.RequestPool requestPool)
    {
        this.ctx = ctx;
        this.clock = clock;
        this.pool = pool;
        this.submissions = submissions;
        this.requestPool = requestPool;
        waiting = new GridRequest[pool.length];
        commandsBySequence = new GridRequest[ctx.maxOutstandingCommands()];
        sendBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(ctx.transport().maxMessageLength()));
        nextCorrelationId = (System.nanoTime() & 0xFFFF_FFFFL) << 24;
    }

    /**
     * Completes the wiring: the transport is launched after the conductor because it delivers to it.
     */
    void wire(final ClientTransport transport)
    {
        this.transport = transport;
    }

    public String roleName()
    {
        return "grid-client";
    }

    public int doWork()
    {
        nowNs = clock.nanoTime();
        int work = drainSubmissions();
        work += transport.pollResponses(FRAGMENT_LIMIT);
        if (!connected)
        {
            work += connect();
        }
        else
        {
            work += sendWaiting();
            if (nowNs >= nextKeepAliveNs)
            {
                nextKeepAliveNs = nowNs + ctx.keepAliveIntervalNs();
                sendKeepAlive(false);
            }
        }
        if (nowNs >= nextTimerNs)
        {
            nextTimerNs = nowNs + TIMER_INTERVAL_NS;
            work += timers();
        }
        return work + transport.invokeDriver();
    }

    public void onClose()
    {
        if (connected && 0 != sessionId)
        {
            sendKeepAlive(true);
        }
    }

    long sessionId()
    {
        return sessionIdPublished;
    }

    int leader()
    {
        return leaderPublished;
    }

    long resends()
    {
        return resends.get();
    }

    long leaderLosses()
    {
        return leaderLosses.get();
    }

    // ------------------------------------------------------------------------------------------------ submissions

    private int drainSubmissions()
    {
        int work = 0;
        GridRequest request;
        while (null != (request = submissions.poll()))
        {
            request.deadlineNs = Long.MAX_VALUE == request.timeoutNs ? Long.MAX_VALUE : nowNs + request.timeoutNs;
            request.nextSendNs = 0;
            request.sequence = 0;
            request.sendCount = 0;
            request.parked = false;
            if (GridRequest.STATUS == request.kind)
            {
                submitStatus(request);
            }
            else
            {
                waiting[(waitingHead + waitingCount++) % waiting.length] = request;
            }
            work++;
        }
        return work;
    }

    private int sendWaiting()
    {
        int sent = 0;
        while (waitingCount > 0)
        {
            final GridRequest request = waiting[waitingHead];
            if (GridRequest.COMMAND == request.kind)
            {
                final int window = freeWindow();
                if (window < 0)
                {
                    break;
                }
                request.sequence = nextSequence++;
                commandsBySequence[window] = request;
            }
            else
            {
                request.sequence = ++nextCorrelationId;
                readsByCorrelation.put(request.sequence, request);
            }
            waiting[waitingHead] = null;
            waitingHead = (waitingHead + 1) % waiting.length;
            waitingCount--;
            send(request);
            sent++;
        }
        return sent;
    }

    /**
     * The grid caches each session's answers in as many records as this client's window, by sequence modulo the
     * window, so a sequence may only be sent once the one before it in its record has been answered. A lock request
     * queued behind its holder (answered PENDING) may keep its record for a long time: its sequence number is
     * skipped rather than waited for, so queued locks never hold up the commands behind them. Skipped numbers are
     * never sent; the grid only needs sequences to grow.
     *
     * @return the window position of {@link #nextSequence} (after skipping parked positions), or -1 if the next
     * position still waits for an answer.
     */
    private int freeWindow()
    {
        for (int tries = 0; tries < commandsBySequence.length; tries++)
        {
            final int window = (int)(nextSequence % commandsBySequence.length);
            final GridRequest occupant = commandsBySequence[window];
            if (null == occupant)
            {
                return window;
            }
            if (!occupant.parked)
            {
                return -1;
            }
            nextSequence++;
        }
        return -1;
    }

    private void send(final GridRequest request)
    {
        if (0 != request.sendCount++)
        {
            resends.lazySet(resends.get() + 1);
        }
        expectAnswer();
        request.nextSendNs = nowNs + ctx.retryIntervalNs();
        final int length;
        if (GridRequest.COMMAND == request.kind)
        {
            commandEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
                .sessionId(sessionId)
                .requestSequence(request.sequence)
                .serviceId(request.serviceId)
                .putCommand(request.command, 0, request.commandLength);
            length = MessageHeaderEncoder.ENCODED_LENGTH + commandEncoder.encodedLength();
        }
        else
        {
            readEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
                .sessionId(sessionId)
                .correlationId(request.sequence)
                .serviceId(request.serviceId)
                .consistency(request.consistency)
                .putQuery(request.command, 0, request.commandLength);
            length = MessageHeaderEncoder.ENCODED_LENGTH + readEncoder.encodedLength();
        }
        transport.sendToMember(connectTarget, sendBuffer, 0, length);
    }

    // ------------------------------------------------------------------------------------------------ sessions

    private int connect()
    {
        if (nowNs < connectDeadlineNs)
        {
            return 0;
        }
        connectTarget = NO_MEMBER != leaderHint ? leaderHint : (connectTarget + 1) % transport.memberCount();
        leaderHint = NO_MEMBER;
        connectCorrelationId = ++nextCorrelationId;
        connectDeadlineNs = nowNs + ctx.connectTimeoutNs();
        connectEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(connectCorrelationId)
            .sessionId(sessionId)
            .responseStreamId(transport.responseStreamId())
            .responseChannel(transport.responseChannel());
        transport.sendToMember(connectTarget, sendBuffer, 0,
            MessageHeaderEncoder.ENCODED_LENGTH + connectEncoder.encodedLength());
        return 1;
    }

    /**
     * Starts the leader's silence clock unless it already runs: anything sent to the leader expects an answer (a
     * keep-alive is answered once committed), so a leader that answers nothing for the silence timeout is dead or
     * cut off, and the client looks for the new one without waiting for each request's own timeout.
     */
    private void expectAnswer()
    {
        if (!awaitingAnswer)
        {
            awaitingAnswer = true;
            awaitingAnswerSinceNs = nowNs;
        }
    }

    private void lostLeader(final int hint)
    {
        if (connected)
        {
            leaderLosses.lazySet(leaderLosses.get() + 1);
        }
        connected = false;
        awaitingAnswer = false;
        leaderPublished = NO_MEMBER;
        leaderHint = hint >= 0 && hint < transport.memberCount() ? hint : NO_MEMBER;
        connectDeadlineNs = NO_MEMBER != leaderHint ? 0 : nowNs + ctx.electionBackoffNs();
    }

    private void onSessionEvent()
    {
        if (sessionEventDecoder.correlationId() != connectCorrelationId || connected)
        {
            return;
        }
        final Status status = sessionEventDecoder.status();
        if (Status.OK == status)
        {
            connected = true;
            sessionId = sessionEventDecoder.sessionId();
            sessionIdPublished = sessionId;
            leaderPublished = connectTarget;
            nextKeepAliveNs = nowNs + ctx.keepAliveIntervalNs();
            resendOutstanding();
        }
        else if (Status.NOT_LEADER == status)
        {
            final int hint = sessionEventDecoder.leaderMemberId();
            lostLeader(hint == connectTarget ? NO_MEMBER : hint);
        }
        else
        {
            lostLeader(NO_MEMBER);
        }
    }

    private void sessionLost()
    {
        // The grid expired or closed the session: whether outstanding commands were applied cannot be told, so
        // they fail; later requests go on a new session, numbered from 1 again.
        for (int i = 0; i < commandsBySequence.length; i++)
        {
            final GridRequest request = commandsBySequence[i];
            if (null != request)
            {
                commandsBySequence[i] = null;
                request.fail(Status.UNKNOWN_SESSION);
                finish(request);
            }
        }
        sessionId = 0;
        sessionIdPublished = 0;
        nextSequence = 1;
        lostLeader(connectTarget);
    }

    private void sendKeepAlive(final boolean close)
    {
        final int length;
        if (close)
        {
            closeEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
                .sessionId(sessionId)
                .correlationId(++nextCorrelationId);
            length = MessageHeaderEncoder.ENCODED_LENGTH + closeEncoder.encodedLength();
        }
        else
        {
            keepAliveEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
                .sessionId(sessionId)
                .correlationId(++nextCorrelationId);
            length = MessageHeaderEncoder.ENCODED_LENGTH + keepAliveEncoder.encodedLength();
            expectAnswer();
        }
        transport.sendToMember(connectTarget, sendBuffer, 0, length);
    }

    private void resendOutstanding()
    {
        for (final GridRequest request : commandsBySequence)
        {
            if (null != request)
            {
                send(request);
            }
        }
        for (final GridRequest request : readsByCorrelation.values())
        {
            if (GridRequest.STATUS != request.kind)
            {
                send(request);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ answers

    void onResponse(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (bounds.check(buffer, offset, length) < 0)
        {
            return;
        }
        headerDecoder.wrap(buffer, offset);
        switch (headerDecoder.templateId())
        {
            case CommandResponseDecoder.TEMPLATE_ID:
                awaitingAnswer = false;
                commandResponseDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onCommandResponse();
                break;
            case ReadResponseDecoder.TEMPLATE_ID:
                awaitingAnswer = false;
                readResponseDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onReadResponse();
                break;
            case SessionEventDecoder.TEMPLATE_ID:
                sessionEventDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
                onSessionEvent();
                break;
            case NodeStatusDecoder.TEMPLATE_ID:
                onNodeStatus(buffer, offset, length);
                break;
            default:
                break;
        }
    }

    private void onCommandResponse()
    {
        final long responseSessionId = commandResponseDecoder.sessionId();
        final long sequence = commandResponseDecoder.requestSequence();
        final long logIndex = commandResponseDecoder.logIndex();
        final int serviceId = commandResponseDecoder.serviceId();
        final int leaderId = commandResponseDecoder.leaderMemberId();
        final Status status = commandResponseDecoder.status();
        commandResponseDecoder.wrapResult(result);
        if (responseSessionId != sessionId || 0 == sessionId)
        {
            return;
        }
        if (Status.NOT_LEADER == status)
        {
            if (connected)
            {
                lostLeader(leaderId == connectTarget ? NO_MEMBER : leaderId);
            }
            return;
        }
        if (Status.UNKNOWN_SESSION == status)
        {
            sessionLost();
            return;
        }
        if (ClientEgress.SESSION_SERVICE_ID == serviceId)
        {
            return;
        }
        final int window = (int)(sequence % commandsBySequence.length);
        final GridRequest request = commandsBySequence[window];
        if (null == request || request.sequence != sequence)
        {
            return;
        }
        if (Status.OK == status && request.mayBePending && isPendingLockAnswer())
        {
            // Queued behind the holder: the grant (or timeout) comes later, and polling the same sequence after a
            // leader change gets it from the session's cache.
            request.parked = true;
            request.nextSendNs = nowNs + ctx.retryIntervalNs();
            return;
        }
        commandsBySequence[window] = null;
        request.complete(status, logIndex, result, 0, result.capacity());
        finish(request);
    }

    private boolean isPendingLockAnswer()
    {
        return result.capacity() >= MessageHeaderDecoder.ENCODED_LENGTH &&
            headerDecoder.wrap(result, 0).templateId() == LockResponseDecoder.TEMPLATE_ID &&
            lockResponseDecoder.wrapAndApplyHeader(result, 0, headerDecoder).status() == Status.PENDING;
    }

    private void onReadResponse()
    {
        final long correlationId = readResponseDecoder.correlationId();
        final long appliedIndex = readResponseDecoder.appliedIndex();
        final int leaderId = readResponseDecoder.leaderMemberId();
        final Status status = readResponseDecoder.status();
        readResponseDecoder.wrapResult(result);
        final GridRequest request = readsByCorrelation.get(correlationId);
        if (null == request)
        {
            return;
        }
        if (Status.NOT_LEADER == status)
        {
            if (connected)
            {
                lostLeader(leaderId == connectTarget ? NO_MEMBER : leaderId);
            }
            return;
        }
        readsByCorrelation.remove(correlationId);
        request.complete(status, appliedIndex, result, 0, result.capacity());
        finish(request);
    }

    private void onNodeStatus(final DirectBuffer buffer, final int offset, final int length)
    {
        nodeStatusDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final GridRequest request = readsByCorrelation.remove(nodeStatusDecoder.correlationId());
        if (null != request)
        {
            request.complete(Status.OK, nodeStatusDecoder.appliedIndex(), buffer, offset, length);
            finish(request);
        }
    }

    private void sendStatusRequest(final GridRequest request)
    {
        statusRequestEncoder.wrapAndApplyHeader(sendBuffer, 0, headerEncoder)
            .correlationId(request.sequence)
            .responseStreamId(transport.responseStreamId())
            .responseChannel(transport.responseChannel());
        transport.sendToMember(request.serviceId, sendBuffer, 0,
            MessageHeaderEncoder.ENCODED_LENGTH + statusRequestEncoder.encodedLength());
    }

    private void finish(final GridRequest request)
    {
        final ResponseHandler handler = request.handler;
        if (null != handler)
        {
            try
            {
                handler.onResponse(request);
            }
            finally
            {
                requestPool.release(request);
            }
        }
        else
        {
            // Read before DONE: from then on the caller may release the slot and another thread take it.
            final Thread waiter = request.waiter;
            request.state = GridRequest.DONE;
            LockSupport.unpark(waiter);
        }
    }

    // ------------------------------------------------------------------------------------------------ timers

    private int timers()
    {
        int work = 0;
        if (connected && awaitingAnswer && nowNs - awaitingAnswerSinceNs > ctx.leaderSilenceTimeoutNs())
        {
            lostLeader(NO_MEMBER);
            work++;
        }
        for (final GridRequest request : pool)
        {
            if (GridRequest.SUBMITTED != request.state || 0 == request.sequence)
            {
                continue;
            }
            if (nowNs >= request.deadlineNs)
            {
                if (GridRequest.COMMAND == request.kind)
                {
                    commandsBySequence[(int)(request.sequence % commandsBySequence.length)] = null;
                }
                else
                {
                    readsByCorrelation.remove(request.sequence);
                }
                request.fail(connected ? Status.TIMEOUT : Status.NOT_LEADER);
                finish(request);
                work++;
            }
            else if (connected && nowNs >= request.nextSendNs && GridRequest.STATUS != request.kind)
            {
                send(request);
                work++;
            }
        }
        for (int i = 0; i < waitingCount; i++)
        {
            final GridRequest request = waiting[(waitingHead + i) % waiting.length];
            if (nowNs >= request.deadlineNs)
            {
                request.fail(connected ? Status.TIMEOUT : Status.NOT_LEADER);
                removeWaiting(i);
                finish(request);
                i--;
                work++;
            }
        }
        return work;
    }

    private void removeWaiting(final int position)
    {
        for (int i = position; i < waitingCount - 1; i++)
        {
            waiting[(waitingHead + i) % waiting.length] = waiting[(waitingHead + i + 1) % waiting.length];
        }
        waiting[(waitingHead + waitingCount - 1) % waiting.length] = null;
        waitingCount--;
    }

    /**
     * Status requests bypass the session: they go at once to the member the request names (in its serviceId).
     */
    private void submitStatus(final GridRequest request)
    {
        request.sequence = ++nextCorrelationId;
        request.nextSendNs = Long.MAX_VALUE;
        readsByCorrelation.put(request.sequence, request);
        sendStatusRequest(request);
    }
}
