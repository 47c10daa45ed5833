package dev.grid.node;

import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import dev.grid.cache.CacheReader;
import dev.grid.cache.CacheStateMachine;
import dev.grid.cache.Caches;
import dev.grid.consensus.FileSnapshotStore;
import dev.grid.core.IdleStrategies;
import dev.grid.consensus.RaftNode;
import dev.grid.log.ChronicleRaftLog;
import dev.grid.locks.LockTable;
import dev.grid.locks.LockTableContext;
import dev.grid.transport.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.SystemUtil;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.OffsetEpochNanoClock;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One member of a grid cluster, embedded in the calling process: the Raft log in its data directory, the caches and
 * the lock table, Raft, and the Aeron transport, all driven by one agent thread ({@link GridNodeAgent}).
 * <p>
 * Launch it from a {@link Context}; every setting has a system property (see docs/operations.md), which
 * {@code GridNodeMain --config FILE} fills from a properties file. A node restarted on the same directory recovers
 * its log and latest snapshot and catches up from the leader.
 */
public final class GridNode implements AutoCloseable
{
    private final Context ctx;
    private final ChronicleRaftLog log;
    private final FileSnapshotStore snapshots;
    private final LockTable locks;
    private final Caches caches;
    private final GridNodeAgent agent;
    private final AeronTransport transport;
    private final RaftNode raft;
    private final AgentRunner runner;
    private boolean closed;

    private GridNode(final Context ctx)
    {
        this.ctx = ctx;
        ChronicleRaftLog log = null;
        FileSnapshotStore snapshots = null;
        LockTable locks = null;
        Caches caches = null;
        AeronTransport transport = null;
        try
        {
            log = ChronicleRaftLog.open(ctx.log().directory(ctx.directory().resolve("log")));
            snapshots = new FileSnapshotStore(ctx.directory().resolve("snapshots"), ctx.snapshotInBackground());
            final RaftNode[] raftHolder = new RaftNode[1];
            locks = new LockTable(ctx.locks().deferredResponses(
                (serviceId, sessionId, requestSequence, buffer, offset, length) -> raftHolder[0].deferredResponses()
                    .respond(serviceId, sessionId, requestSequence, buffer, offset, length)));
            caches = new Caches(ctx.caches(), locks);
            final CacheStateMachine[] cacheArray = caches.all().toArray(new CacheStateMachine[0]);
            final GridNodeAgent agent = new GridNodeAgent(
                ctx, new OffsetEpochNanoClock(), cacheArray, locks, ctx.locks().serviceId());
            transport = AeronTransport.launch(ctx.transport(), agent::onPeerMessage, agent::onClientMessage);

            final RaftNode.Context raftCtx = ctx.raft()
                .nodeId(ctx.transport().memberId())
                .members(ctx.transport().members().ids())
                .log(log)
                .outbox(agent)
                .egress(agent)
                .snapshotStore(snapshots)
                .service(ctx.locks().serviceId(), locks);
            for (final CacheStateMachine cache : cacheArray)
            {
                raftCtx.service(cache.context().serviceId(), cache);
            }
            raft = new RaftNode(raftCtx);
            raftHolder[0] = raft;
            // The caches' regions are fixed, so this is about what every snapshot needs; sessions and locks grow.
            final long snapshotLength = raft.snapshotLength();
            snapshots.reserve(snapshotLength + snapshotLength / 8);
            agent.wire(transport, raft, ctx, log::adoptCurrentThread);
            this.agent = agent;
            this.log = log;
            this.snapshots = snapshots;
            this.locks = locks;
            this.caches = caches;
            this.transport = transport;
            runner = new AgentRunner(ctx.idleStrategy(), ctx.errorHandler(), null, agent);
            AgentRunner.startOnThread(runner);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(transport, caches, locks, snapshots, log);
            throw ex;
        }
    }

    /**
     * Starts a node: opens (or recovers) its data directory, joins the cluster and starts its agent thread.
     *
     * @param ctx configuration; concluded here.
     * @return the running node.
     */
    public static GridNode launch(final Context ctx)
    {
        return new GridNode(ctx.conclude());
    }

    public int memberId()
    {
        return ctx.transport().memberId();
    }

    /**
     * @return the agent thread, e.g. to measure what it allocates.
     */
    public Thread agentThread()
    {
        return runner.thread();
    }

    public Context context()
    {
        return ctx;
    }

    /**
     * A local read of this node's copy of a cache, for an application thread embedding the node: no message, no
     * Raft, possibly stale (see {@link CacheReader}). Reads through it do not count toward LRU/LFU order.
     *
     * @param cacheName a cache this node serves.
     * @return a new reader, for one thread.
     * @throws IllegalArgumentException if the node serves no cache of that name.
     */
    public CacheReader newCacheReader(final String cacheName)
    {
        final CacheStateMachine cache = caches.byName(cacheName);
        if (null == cache)
        {
            throw new IllegalArgumentException("this node serves no cache named '" + cacheName + "'");
        }
        return cache.newReader();
    }

    /**
     * Stops the agent thread, then closes the transport, the services and the log.
     */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.close(runner);
        log.adoptCurrentThread();
        CloseHelper.closeAll(transport, caches, locks, snapshots, log);
    }

    /**
     * Configuration of a node. Defaults come from system properties; docs/operations.md lists every key.
     */
    public static final class Context
    {
        /** The node's data directory: the Raft log under log/, snapshots under snapshots/. */
        public static final String DIRECTORY_PROP_NAME = "grid.dir";

        /** The agent's idle strategy: backoff (default), busy-spin (isolated cores only), yield, or sleep. */
        public static final String IDLE_STRATEGY_PROP_NAME = "grid.idle.strategy";
        public static final String IDLE_STRATEGY_DEFAULT = "backoff";

        /**
         * Write the node's own snapshots to disk on a thread of the snapshot store (true, default) instead of the
         * node's thread: the node then only copies its state in memory, and keeps that copy for the next snapshot.
         */
        public static final String SNAPSHOT_BACKGROUND_PROP_NAME = "grid.snapshot.background";

        /**
         * A duty cycle of the node's thread (its work plus its idling, up to the idle strategy's longest park) that
         * takes longer than this (e.g. 1ms) is counted as slow: a stall of the node (GC, a snapshot copy, the
         * thread not being scheduled).
         */
        public static final String SLOW_DUTY_CYCLE_PROP_NAME = "grid.slow.duty.cycle";
        public static final long SLOW_DUTY_CYCLE_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(1);

        /** The caches this node serves, comma-separated; each is configured by grid.cache.NAME.* keys. */
        public static final String CACHES_PROP_NAME = "grid.caches";
        public static final String CACHES_DEFAULT = "default";

        /** How often the leader appends the reads it served as access hints (e.g. 1ms). */
        public static final String ACCESS_HINT_INTERVAL_PROP_NAME = "grid.access.hint.interval";
        public static final long ACCESS_HINT_INTERVAL_DEFAULT_NS = TimeUnit.MILLISECONDS.toNanos(1);

        /** Session opens and linearizable reads a node keeps waiting on Raft at once. */
        public static final String MAX_PENDING_REQUESTS_PROP_NAME = "grid.max.pending.requests";
        public static final int MAX_PENDING_REQUESTS_DEFAULT = 1024;

        /** Largest query (a CacheGet or LockQuery) a linearizable read may carry. */
        public static final String MAX_QUERY_LENGTH_PROP_NAME = "grid.max.query.length";
        public static final int MAX_QUERY_LENGTH_DEFAULT = 1024;

        /** Entries whose log positions are allocated at start at most (8 bytes each); more grow on demand. */
        static final long MAX_PRESIZED_LOG_INDEX = 8L * 1024 * 1024;

        /** Service id of the first cache; the others follow in the order of grid.caches. */
        public static final int FIRST_CACHE_SERVICE_ID = 100;

        private Path directory;
        private String idleStrategyName = System.getProperty(IDLE_STRATEGY_PROP_NAME, IDLE_STRATEGY_DEFAULT);
        private long slowDutyCycleNs = SystemUtil.getDurationInNanos(
            SLOW_DUTY_CYCLE_PROP_NAME, SLOW_DUTY_CYCLE_DEFAULT_NS);
        private boolean snapshotInBackground = Boolean.parseBoolean(
            System.getProperty(SNAPSHOT_BACKGROUND_PROP_NAME, "true"));
        private long accessHintIntervalNs = SystemUtil.getDurationInNanos(
            ACCESS_HINT_INTERVAL_PROP_NAME, ACCESS_HINT_INTERVAL_DEFAULT_NS);
        private int maxPendingRequests = Integer.getInteger(
            MAX_PENDING_REQUESTS_PROP_NAME, MAX_PENDING_REQUESTS_DEFAULT);
        private int maxQueryLength = SystemUtil.getSizeAsInt(MAX_QUERY_LENGTH_PROP_NAME, MAX_QUERY_LENGTH_DEFAULT);
        private List<CacheContext> caches;
        private AeronTransport.Context transport = new AeronTransport.Context();
        private ChronicleRaftLog.Context log = new ChronicleRaftLog.Context();
        private RaftNode.Context raft = new RaftNode.Context();
        private LockTableContext locks = new LockTableContext();
        private IdleStrategy idleStrategy;
        private ErrorHandler errorHandler = Throwable::printStackTrace;
        private boolean concluded;

        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded");
            }
            transport.conclude();
            if (null == directory)
            {
                directory = Paths.get(System.getProperty(
                    DIRECTORY_PROP_NAME, "grid-data/node-" + transport.memberId()));
            }
            if (null == caches)
            {
                caches = cachesFromProperties(System.getProperty(CACHES_PROP_NAME, CACHES_DEFAULT));
            }
            if (null == idleStrategy)
            {
                idleStrategy = IdleStrategies.named(idleStrategyName);
            }
            if (slowDutyCycleNs <= 0)
            {
                throw new IllegalArgumentException(SLOW_DUTY_CYCLE_PROP_NAME + " must be positive: " + slowDutyCycleNs);
            }
            if (accessHintIntervalNs <= 0 || maxPendingRequests < 1 || maxQueryLength < 64)
            {
                throw new IllegalArgumentException("access hint interval, max pending requests and max query length" +
                    " must be positive (max query length at least 64)");
            }
            // The log's index of entry positions is sized for what the log holds between two compactions, so it is
            // allocated at start and never grows while the node runs.
            final long entriesBetweenCompactions =
                raft.snapshotThresholdEntries() + raft.snapshotRetainEntries() + raft.maxUncommittedEntries();
            log.initialIndexCapacity((int)Math.min(
                MAX_PRESIZED_LOG_INDEX, Math.max(log.initialIndexCapacity(), entriesBetweenCompactions)));
            // Responses are cached per session for exactly-once retries: they must hold the largest value a cache
            // answers with, and a whole message must fit in one Aeron message.
            int largestValue = 0;
            for (final CacheContext cache : caches)
            {
                largestValue = Math.max(largestValue, cache.maxValueLength());
            }
            final int responseLength = Math.max(raft.maxResponseLength(), largestValue + 256);
            raft.maxResponseLength(responseLength);
            if (responseLength + 256 > transport.maxMessageLength() ||
                raft.maxBatchBytes() + 256 > transport.maxMessageLength())
            {
                throw new IllegalArgumentException("the transport's term length " + transport.termLength() +
                    " carries messages of at most " + transport.maxMessageLength() + " bytes: raise " +
                    AeronTransport.Context.TERM_LENGTH_PROP_NAME + " for responses of " + responseLength +
                    " and batches of " + raft.maxBatchBytes() + " bytes");
            }
            concluded = true;
            return this;
        }

        /**
         * Builds the caches named in {@code names} from grid.cache.NAME.* properties, each falling back to the
         * grid.cache.* default of the same key.
         */
        static List<CacheContext> cachesFromProperties(final String names)
        {
            final List<CacheContext> contexts = new ArrayList<>();
            int serviceId = FIRST_CACHE_SERVICE_ID;
            for (final String rawName : names.split(","))
            {
                final String name = rawName.trim();
                if (name.isEmpty())
                {
                    continue;
                }
                final CacheContext cache = new CacheContext().name(name).serviceId(serviceId++);
                final String prefix = "grid.cache." + name + ".";
                final String policy = System.getProperty(prefix + "policy");
                if (null != policy)
                {
                    cache.policy(CachePolicy.valueOf(policy.trim().toUpperCase()));
                }
                final String budget = System.getProperty(prefix + "memory.budget");
                if (null != budget)
                {
                    cache.memoryBudgetBytes(SystemUtil.parseSize(prefix + "memory.budget", budget));
                }
                final String maxEntries = System.getProperty(prefix + "max.entries");
                if (null != maxEntries)
                {
                    cache.maxEntries((int)SystemUtil.parseSize(prefix + "max.entries", maxEntries));
                }
                final String maxKey = System.getProperty(prefix + "max.key.length");
                if (null != maxKey)
                {
                    cache.maxKeyLength((int)SystemUtil.parseSize(prefix + "max.key.length", maxKey));
                }
                final String maxValue = System.getProperty(prefix + "max.value.length");
                if (null != maxValue)
                {
                    cache.maxValueLength((int)SystemUtil.parseSize(prefix + "max.value.length", maxValue));
                }
                final String ttl = System.getProperty(prefix + "default.ttl");
                if (null != ttl)
                {
                    cache.defaultTtlNanos(SystemUtil.parseDuration(prefix + "default.ttl", ttl));
                }
                final String blockSize = System.getProperty(prefix + "block.size");
                if (null != blockSize)
                {
                    cache.blockSize((int)SystemUtil.parseSize(prefix + "block.size", blockSize));
                }
                final String admission = System.getProperty(prefix + "admission");
                if (null != admission)
                {
                    cache.admission(Boolean.parseBoolean(admission.trim()));
                }
                final String lfuSweep = System.getProperty(prefix + "lfu.sweep");
                if (null != lfuSweep)
                {
                    cache.lfuSweep(Boolean.parseBoolean(lfuSweep.trim()));
                }
                contexts.add(cache);
            }
            if (contexts.isEmpty())
            {
                throw new IllegalArgumentException(CACHES_PROP_NAME + " names no cache: '" + names + "'");
            }
            return contexts;
        }

        public long slowDutyCycleNs()
        {
            return slowDutyCycleNs;
        }

        public Context slowDutyCycleNs(final long slowDutyCycleNs)
        {
            this.slowDutyCycleNs = slowDutyCycleNs;
            return this;
        }

        public boolean snapshotInBackground()
        {
            return snapshotInBackground;
        }

        public Context snapshotInBackground(final boolean snapshotInBackground)
        {
            this.snapshotInBackground = snapshotInBackground;
            return this;
        }

        public Path directory()
        {
            return directory;
        }

        public Context directory(final Path directory)
        {
            this.directory = directory;
            return this;
        }

        public List<CacheContext> caches()
        {
            return caches;
        }

        public Context caches(final List<CacheContext> caches)
        {
            this.caches = caches;
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

        public ChronicleRaftLog.Context log()
        {
            return log;
        }

        public Context log(final ChronicleRaftLog.Context log)
        {
            this.log = log;
            return this;
        }

        public RaftNode.Context raft()
        {
            return raft;
        }

        public Context raft(final RaftNode.Context raft)
        {
            this.raft = raft;
            return this;
        }

        public LockTableContext locks()
        {
            return locks;
        }

        public Context locks(final LockTableContext locks)
        {
            this.locks = locks;
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

        public long accessHintIntervalNs()
        {
            return accessHintIntervalNs;
        }

        public Context accessHintIntervalNs(final long accessHintIntervalNs)
        {
            this.accessHintIntervalNs = accessHintIntervalNs;
            return this;
        }

        public int maxPendingRequests()
        {
            return maxPendingRequests;
        }

        public Context maxPendingRequests(final int maxPendingRequests)
        {
            this.maxPendingRequests = maxPendingRequests;
            return this;
        }

        public int maxQueryLength()
        {
            return maxQueryLength;
        }

        public Context maxQueryLength(final int maxQueryLength)
        {
            this.maxQueryLength = maxQueryLength;
            return this;
        }

        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }
    }
}
