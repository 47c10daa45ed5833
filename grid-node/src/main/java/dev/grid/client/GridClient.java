package dev.grid.client;

import dev.grid.core.IdleStrategies;
import dev.grid.locks.LockTableContext;
import dev.grid.node.GridNode;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.NodeStatusDecoder;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import dev.grid.transport.AeronTransport;
import dev.grid.transport.ClientTransport;
import org.agrona.CloseHelper;
import org.agrona.SystemUtil;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.SystemNanoClock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A connection to a grid cluster, over UDP to a list of members or over IPC to members in this process.
 * <p>
 * One client thread owns the session (see {@link ClientConductor}); any number of application threads call it.
 * Requests use slots allocated at start: a thread takes one, encodes into it, hands it to the client thread through
 * a lock-free queue and either waits for it ({@link #execute}, the synchronous calls of {@link GridCache} and
 * {@link GridLocks}) or gets the answer on the client thread ({@link #submit}, allocation-free). The client finds
 * the leader, follows it across elections, resends what was not answered with the same session sequence (so the
 * grid applies every command once), and keeps the session alive.
 */
public final class GridClient implements AutoCloseable
{
    private final Context ctx;
    private final RequestPool requestPool;
    private final ManyToOneConcurrentArrayQueue<GridRequest> submissions;
    private final ClientConductor conductor;
    private final ClientTransport transport;
    private final AgentRunner runner;
    private final String[] cacheNames;

    private GridClient(final Context ctx)
    {
        this.ctx = ctx;
        final GridRequest[] pool = new GridRequest[ctx.maxRequests()];
        for (int i = 0; i < pool.length; i++)
        {
            pool[i] = new GridRequest(i, ctx.transport().maxMessageLength());
        }
        requestPool = new RequestPool(pool);
        submissions = new ManyToOneConcurrentArrayQueue<>(pool.length);
        conductor = new ClientConductor(ctx, new SystemNanoClock(), pool, submissions, requestPool);
        transport = ClientTransport.launch(ctx.transport(), ctx.responseHost(), conductor::onResponse);
        conductor.wire(transport);
        cacheNames = ctx.cacheNames().split("\\s*,\\s*");
        runner = new AgentRunner(ctx.idleStrategy(), Throwable::printStackTrace, null, conductor);
        AgentRunner.startOnThread(runner);
    }

    /**
     * Connects to the cluster and waits until a session is open.
     *
     * @param ctx configuration; concluded here.
     * @return the connected client.
     * @throws GridClientException.NoLeaderException if no leader answered within the connect timeout.
     */
    public static GridClient connect(final Context ctx)
    {
        final GridClient client = new GridClient(ctx.conclude());
        final long deadline = System.nanoTime() + ctx.requestTimeoutNs();
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (0 == client.conductor.sessionId())
        {
            if (System.nanoTime() > deadline)
            {
                client.close();
                throw new GridClientException.NoLeaderException(
                    "no leader of " + ctx.transport().members() + " opened a session within " +
                    TimeUnit.NANOSECONDS.toMillis(ctx.requestTimeoutNs()) + " ms");
            }
            idle.idle();
        }
        return client;
    }

    /**
     * @param name a cache named in the cluster's grid.caches (this client's {@link Context#cacheNames}).
     * @return a view of that cache; cheap, make one per thread or share it (it holds no state).
     */
    public GridCache cache(final String name)
    {
        for (int i = 0; i < cacheNames.length; i++)
        {
            if (cacheNames[i].equals(name))
            {
                return new GridCache(this, name, GridNode.Context.FIRST_CACHE_SERVICE_ID + i);
            }
        }
        throw new GridClientException.BadArgumentException(Status.UNKNOWN_SERVICE, "no cache named '" + name +
            "' in " + String.join(",", cacheNames));
    }

    /**
     * @return the cluster's fenced locks.
     */
    public GridLocks locks()
    {
        return new GridLocks(this, ctx.locksServiceId());
    }

    /**
     * @return the session this client holds, 0 while it has none.
     */
    public long sessionId()
    {
        return conductor.sessionId();
    }

    /**
     * @return the member this client talks to as leader, -1 while it looks for one.
     */
    public int leaderMemberId()
    {
        return conductor.leader();
    }

    /**
     * @return the client's own thread (it owns the session and the transport), e.g. to measure what it allocates.
     */
    public Thread clientThread()
    {
        return runner.thread();
    }

    /**
     * @return how many times requests were sent again (no answer within the retry interval, or a new leader).
     */
    public long resends()
    {
        return conductor.resends();
    }

    /**
     * @return how many times this client lost its leader (NOT_LEADER, leader silent) and looked for a new one.
     */
    public long leaderLosses()
    {
        return conductor.leaderLosses();
    }

    /**
     * Takes a free request slot, waiting while all are in use.
     *
     * @return a slot to encode into (see {@link GridRequest#cacheCommands}, {@link GridRequest#lockCommands}).
     */
    GridRequest acquire()
    {
        return requestPool.acquire();
    }

    /**
     * Sends a request and waits for its answer on the calling thread. The caller releases it with
     * {@link #release} once it has read the answer.
     */
    GridRequest execute(final GridRequest request)
    {
        request.handler = null;
        request.waiter = Thread.currentThread();
        request.state = GridRequest.SUBMITTED;
        offer(request);
        for (int spins = 0; GridRequest.DONE != request.state; spins++)
        {
            pause(spins);
        }
        return request;
    }

    /**
     * Sends a request; the handler gets its answer on the client thread and the slot is released after it.
     */
    void submit(final GridRequest request, final ResponseHandler handler)
    {
        request.handler = handler;
        request.waiter = null;
        request.state = GridRequest.SUBMITTED;
        offer(request);
    }

    void release(final GridRequest request)
    {
        requestPool.release(request);
    }

    public Context context()
    {
        return ctx;
    }

    /**
     * Asks one member how it stands (role, term, leader, indexes, state checksum), without a session.
     *
     * @param memberId the member to ask.
     * @param reader   reads the NodeStatus message, valid only during the call.
     * @throws GridClientException.GridTimeoutException if the member does not answer.
     */
    public void nodeStatus(final int memberId, final Consumer<NodeStatusDecoder> reader)
    {
        final GridRequest request = acquire();
        try
        {
            request.kind = GridRequest.STATUS;
            request.serviceId = memberId;
            request.timeoutNs = TimeUnit.SECONDS.toNanos(2);
            execute(request);
            if (Status.OK != request.status())
            {
                throw new GridClientException.GridTimeoutException("member " + memberId + " did not answer");
            }
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            reader.accept(new NodeStatusDecoder().wrapAndApplyHeader(request.response(), 0, header));
        }
        finally
        {
            release(request);
        }
    }

    /**
     * Closes the session (the grid releases its locks at once) and stops the client thread.
     */
    public void close()
    {
        CloseHelper.closeAll(runner, transport);
    }

    /**
     * Queues a request for the client thread and wakes it if it is parked in its idle strategy, so a request does
     * not wait out the rest of the client thread's park.
     */
    private void offer(final GridRequest request)
    {
        for (int spins = 0; !submissions.offer(request); spins++)
        {
            pause(spins);
        }
        final Thread clientThread = runner.thread();
        if (null != clientThread)
        {
            LockSupport.unpark(clientThread);
        }
    }

    /**
     * How an application thread waits for the client thread: spin briefly (an answer over IPC or a fast network
     * takes microseconds), then yield, then park in 50 us steps so a waiting thread gives its core back (the client
     * thread unparks a synchronous caller when its answer is in, so the park does not delay it). No state, so no
     * allocation and no sharing between threads.
     *
     * @param spins how many times the caller has waited for the same thing so far.
     */
    public static void pause(final int spins)
    {
        if (spins < 200)
        {
            Thread.onSpinWait();
        }
        else if (spins < 300)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(50_000);
        }
    }

    /**
     * The free request slots, shared by every thread without locks.
     */
    static final class RequestPool
    {
        private final ManyToManyConcurrentArrayQueue<GridRequest> free;

        RequestPool(final GridRequest[] pool)
        {
            free = new ManyToManyConcurrentArrayQueue<>(pool.length);
            for (final GridRequest request : pool)
            {
                free.offer(request);
            }
        }

        GridRequest acquire()
        {
            GridRequest request;
            for (int spins = 0; null == (request = free.poll()); spins++)
            {
                pause(spins);
            }
            request.state = GridRequest.IDLE;
            request.consistency = ReadConsistency.LINEARIZABLE;
            request.mayBePending = false;
            request.commandLength = 0;
            return request;
        }

        void release(final GridRequest request)
        {
            request.state = GridRequest.IDLE;
            request.handler = null;
            free.offer(request);
        }
    }

    /**
     * Configuration of a client; defaults from system properties (the same grid.members as the nodes).
     */
    public static final class Context
    {
        /** How long a request may wait for its answer, across leader changes, e.g. 10s. */
        public static final String REQUEST_TIMEOUT_PROP_NAME = "grid.client.request.timeout";
        public static final long REQUEST_TIMEOUT_DEFAULT_NS = TimeUnit.SECONDS.toNanos(10);

        /** How long the client waits for an answer before it resends the request (same sequence), e.g. 500ms. */
        public static final String RETRY_INTERVAL_PROP_NAME = "grid.client.retry.interval";
        public static final long RETRY_INTERVAL_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(500);

        /** How long to wait for a member's answer to a connect before asking the next, e.g. 250ms. */
        public static final String CONNECT_TIMEOUT_PROP_NAME = "grid.client.connect.timeout";
        public static final long CONNECT_TIMEOUT_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(250);

        /** Pause before asking again when a member knows no leader (an election is running), e.g. 50ms. */
        public static final String ELECTION_BACKOFF_PROP_NAME = "grid.client.election.backoff";
        public static final long ELECTION_BACKOFF_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(50);

        /** Keep-alive interval; well under the cluster's session timeout (10 s by default), e.g. 2s. */
        public static final String KEEP_ALIVE_INTERVAL_PROP_NAME = "grid.client.keep.alive.interval";
        public static final long KEEP_ALIVE_INTERVAL_DEFAULT_NS = TimeUnit.SECONDS.toNanos(2);

        /** Requests in flight or waiting at once, over all threads. */
        public static final String MAX_REQUESTS_PROP_NAME = "grid.client.max.requests";
        public static final int MAX_REQUESTS_DEFAULT = 64;

        /** Commands in flight at once; at most the cluster's grid.raft.responses.per.session (16). */
        public static final String MAX_OUTSTANDING_PROP_NAME = "grid.client.max.outstanding";
        public static final int MAX_OUTSTANDING_DEFAULT = 16;

        /** A leader that answers nothing this long (while answers are due) is given up for the next member. */
        public static final String LEADER_SILENCE_TIMEOUT_PROP_NAME = "grid.client.leader.silence.timeout";
        public static final long LEADER_SILENCE_TIMEOUT_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(500);

        /** The address members send answers to (UDP). */
        public static final String RESPONSE_HOST_PROP_NAME = "grid.client.response.host";
        public static final String RESPONSE_HOST_DEFAULT = "localhost";

        private long requestTimeoutNs = SystemUtil.getDurationInNanos(
            REQUEST_TIMEOUT_PROP_NAME, REQUEST_TIMEOUT_DEFAULT_NS);
        private long retryIntervalNs = SystemUtil.getDurationInNanos(
            RETRY_INTERVAL_PROP_NAME, RETRY_INTERVAL_DEFAULT_NS);
        private long connectTimeoutNs = SystemUtil.getDurationInNanos(
            CONNECT_TIMEOUT_PROP_NAME, CONNECT_TIMEOUT_DEFAULT_NS);
        private long electionBackoffNs = SystemUtil.getDurationInNanos(
            ELECTION_BACKOFF_PROP_NAME, ELECTION_BACKOFF_DEFAULT_NS);
        private long keepAliveIntervalNs = SystemUtil.getDurationInNanos(
            KEEP_ALIVE_INTERVAL_PROP_NAME, KEEP_ALIVE_INTERVAL_DEFAULT_NS);
        private long leaderSilenceTimeoutNs = SystemUtil.getDurationInNanos(
            LEADER_SILENCE_TIMEOUT_PROP_NAME, LEADER_SILENCE_TIMEOUT_DEFAULT_NS);
        private int maxRequests = Integer.getInteger(MAX_REQUESTS_PROP_NAME, MAX_REQUESTS_DEFAULT);
        private int maxOutstandingCommands = Integer.getInteger(MAX_OUTSTANDING_PROP_NAME, MAX_OUTSTANDING_DEFAULT);
        private String responseHost = System.getProperty(RESPONSE_HOST_PROP_NAME, RESPONSE_HOST_DEFAULT);
        private String cacheNames = System.getProperty(GridNode.Context.CACHES_PROP_NAME,
            GridNode.Context.CACHES_DEFAULT);
        private int locksServiceId = Integer.getInteger(
            LockTableContext.SERVICE_ID_PROP_NAME, LockTableContext.SERVICE_ID_DEFAULT);
        private AeronTransport.Context transport = new AeronTransport.Context();
        private IdleStrategy idleStrategy;
        private boolean concluded;

        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded");
            }
            if (transport.embeddedDriver() && null == transport.aeronDirectoryName())
            {
                transport.aeronDirectoryName(io.aeron.CommonContext.getAeronDirectoryName() + "-grid-client-" +
                    ProcessHandle.current().pid() + "-" + System.nanoTime());
            }
            transport.conclude();
            if (maxRequests < 1 || maxOutstandingCommands < 1 || requestTimeoutNs <= 0 || retryIntervalNs <= 0 ||
                connectTimeoutNs <= 0 || keepAliveIntervalNs <= 0 || leaderSilenceTimeoutNs <= 0)
            {
                throw new IllegalArgumentException("client limits and timeouts must be positive");
            }
            if (null == idleStrategy)
            {
                idleStrategy = IdleStrategies.backoff();
            }
            concluded = true;
            return this;
        }

        public long requestTimeoutNs()
        {
            return requestTimeoutNs;
        }

        public Context requestTimeoutNs(final long requestTimeoutNs)
        {
            this.requestTimeoutNs = requestTimeoutNs;
            return this;
        }

        public long retryIntervalNs()
        {
            return retryIntervalNs;
        }

        public Context retryIntervalNs(final long retryIntervalNs)
        {
            this.retryIntervalNs = retryIntervalNs;
            return this;
        }

        public long connectTimeoutNs()
        {
            return connectTimeoutNs;
        }

        public Context connectTimeoutNs(final long connectTimeoutNs)
        {
            this.connectTimeoutNs = connectTimeoutNs;
            return this;
        }

        public long electionBackoffNs()
        {
            return electionBackoffNs;
        }

        public Context electionBackoffNs(final long electionBackoffNs)
        {
            this.electionBackoffNs = electionBackoffNs;
            return this;
        }

        public long keepAliveIntervalNs()
        {
            return keepAliveIntervalNs;
        }

        public Context keepAliveIntervalNs(final long keepAliveIntervalNs)
        {
            this.keepAliveIntervalNs = keepAliveIntervalNs;
            return this;
        }

        public long leaderSilenceTimeoutNs()
        {
            return leaderSilenceTimeoutNs;
        }

        public Context leaderSilenceTimeoutNs(final long leaderSilenceTimeoutNs)
        {
            this.leaderSilenceTimeoutNs = leaderSilenceTimeoutNs;
            return this;
        }

        public int maxRequests()
        {
            return maxRequests;
        }

        public Context maxRequests(final int maxRequests)
        {
            this.maxRequests = maxRequests;
            return this;
        }

        public int maxOutstandingCommands()
        {
            return maxOutstandingCommands;
        }

        public Context maxOutstandingCommands(final int maxOutstandingCommands)
        {
            this.maxOutstandingCommands = maxOutstandingCommands;
            return this;
        }

        public String responseHost()
        {
            return responseHost;
        }

        public Context responseHost(final String responseHost)
        {
            this.responseHost = responseHost;
            return this;
        }

        /**
         * @return the cluster's cache names, in the order of its grid.caches (which gives their service ids).
         */
        public String cacheNames()
        {
            return cacheNames;
        }

        public Context cacheNames(final String cacheNames)
        {
            this.cacheNames = cacheNames;
            return this;
        }

        public int locksServiceId()
        {
            return locksServiceId;
        }

        public Context locksServiceId(final int locksServiceId)
        {
            this.locksServiceId = locksServiceId;
            return this;
        }

        public AeronTransport.Context transport()
        {
            return transport;
        }

        public Context transport(final AeronTransport.Context transport)
        {
            this.transport = transport;
            return this;
        }

        public IdleStrategy idleStrategy()
        {
            return idleStrategy;
        }

        public Context idleStrategy(final IdleStrategy idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }
    }
}
