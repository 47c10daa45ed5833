package dev.grid.consensus.sim;

import dev.grid.consensus.ClientEgress;
import dev.grid.consensus.InMemorySnapshotStore;
import dev.grid.consensus.RaftNode;
import dev.grid.consensus.RaftRole;
import dev.grid.consensus.SplitMixRandom;
import dev.grid.core.StateMachine;
import dev.grid.log.InMemoryRaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A whole Raft cluster in one thread: nodes with in-memory logs (SyncPolicy BATCH, crash loses what was not synced)
 * and snapshot stores, a simulated clock per node (offset and rate skew), a simulated network (loss, delay,
 * duplication, reordering, symmetric and asymmetric partitions), crashes and restarts, pauses, and clients. Every
 * choice comes from one seeded random source, so a seed replays exactly.
 * <p>
 * Generic over grid-core's {@code StateMachine} SPI: a {@link ServiceFactory} makes each node incarnation's services
 * and {@link SimClient}s drive them, so the cache and lock modules reuse it with their own services and clients.
 * The {@link SafetyChecker} watches every step.
 */
public final class SimulatedCluster
{
    /** Makes the services of one node incarnation, by service id. */
    @FunctionalInterface
    public interface ServiceFactory
    {
        Map<Integer, StateMachine> create(int nodeId);
    }

    private static final boolean DEBUG = Boolean.getBoolean("grid.sim.debug");

    private final SimConfig config;
    private final long seed;
    private final RandomGenerator random;
    private final ServiceFactory serviceFactory;
    private final SafetyChecker checker;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final SimNode[] nodes;
    private final int[] memberIds;
    private final boolean[][] blocked;
    private final List<SimClient> clients = new ArrayList<>();
    private final Map<Long, SimClient> clientBySession = new HashMap<>();
    private final List<String> faultLog = new ArrayList<>();
    private double lossProbability;
    private final double duplicateProbability;
    private long nowNs;
    private long eventSequence;
    private boolean healed;
    private boolean stopped;
    private long messagesSent;
    private long messagesDropped;
    private long crashes;

    public SimulatedCluster(
        final SimConfig config, final long seed, final ServiceFactory serviceFactory, final SafetyChecker checker)
    {
        this.config = config;
        this.seed = seed;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        this.serviceFactory = serviceFactory;
        this.checker = checker;
        this.nodes = new SimNode[config.nodes];
        this.memberIds = new int[config.nodes];
        this.blocked = new boolean[config.nodes][config.nodes];
        for (int i = 0; i < config.nodes; i++)
        {
            memberIds[i] = i + 1;
        }
        lossProbability = random.nextDouble() * config.maxLossProbability;
        duplicateProbability = random.nextDouble() * config.maxDuplicateProbability;
        for (int i = 0; i < config.nodes; i++)
        {
            nodes[i] = new SimNode(i, memberIds[i]);
            nodes[i].localBaseNs = random.nextLong(config.maxClockOffsetNs + 1);
        }
        checker.attach(this);
    }

    public void addClient(final SimClient client)
    {
        clients.add(client);
    }

    public long nowNs()
    {
        return nowNs;
    }

    public long seed()
    {
        return seed;
    }

    public SimConfig config()
    {
        return config;
    }

    /**
     * @return the run's random source (an L64X128MixRandom seeded with the run's seed): every choice of the network,
     * the faults and the per-node election seeds comes from it, in event order, so a seed replays exactly.
     */
    public RandomGenerator random()
    {
        return random;
    }

    public int nodeCount()
    {
        return nodes.length;
    }

    public int nodeId(final int index)
    {
        return memberIds[index];
    }

    /**
     * @return the node's current incarnation, or null while it is crashed.
     */
    public RaftNode raft(final int index)
    {
        return nodes[index].crashed ? null : nodes[index].raft;
    }

    public InMemoryRaftLog log(final int index)
    {
        return nodes[index].log;
    }

    public Map<Integer, StateMachine> services(final int index)
    {
        return nodes[index].services;
    }

    public boolean healed()
    {
        return healed;
    }

    public long crashes()
    {
        return crashes;
    }

    public long messagesSent()
    {
        return messagesSent;
    }

    public long messagesDropped()
    {
        return messagesDropped;
    }

    public List<String> faultLog()
    {
        return faultLog;
    }

    /**
     * Runs the fault phase, heals every fault, runs the liveness window, and checks liveness at the end.
     */
    public void run()
    {
        for (final SimNode node : nodes)
        {
            start(node);
        }
        for (final SimClient client : clients)
        {
            client.start(this);
        }
        scheduleFaults();
        final long healAt = config.faultPhaseNs;
        schedule(healAt, -1, this::healAll);
        final long endAt = healAt + config.livenessWindowNs;
        long nextLogCheck = 0;
        while (!events.isEmpty() && !stopped)
        {
            final Event event = events.poll();
            if (event.timeNs > endAt)
            {
                break;
            }
            nowNs = event.timeNs;
            if (event.nodeIndex >= 0 && nodes[event.nodeIndex].pausedUntilNs > nowNs)
            {
                event.timeNs = nodes[event.nodeIndex].pausedUntilNs;
                event.sequence = eventSequence++;
                events.add(event);
                continue;
            }
            try
            {
                event.action.run();
            }
            catch (final RuntimeException ex)
            {
                final java.io.StringWriter trace = new java.io.StringWriter();
                ex.printStackTrace(new java.io.PrintWriter(trace));
                checker.violation("exception at " + nowNs + "ns: " + trace.toString().lines().limit(8)
                    .collect(java.util.stream.Collectors.joining(" | ")));
                stopped = true;
                break;
            }
            if (event.nodeIndex >= 0)
            {
                checker.afterNodeEvent(event.nodeIndex);
                crashIfTermChanged(nodes[event.nodeIndex]);
                if (DEBUG)
                {
                    final SimNode node = nodes[event.nodeIndex];
                    final String state = node.crashed ? "crashed" : node.raft.toString();
                    if (!state.equals(node.lastTrace))
                    {
                        node.lastTrace = state;
                        System.out.println("  " + nowNs / 1_000_000 + "ms " + state);
                    }
                }
            }
            if (nowNs >= nextLogCheck)
            {
                nextLogCheck = nowNs + 250_000_000L;
                checker.checkLogs();
            }
            if (checker.hasViolations())
            {
                stopped = true;
            }
        }
        nowNs = Math.max(nowNs, endAt);
        if (!stopped)
        {
            checker.checkLogs();
            checker.checkLiveness(clients, healAt, endAt);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Nodes
    // ------------------------------------------------------------------------------------------------------------

    private final class SimNode
    {
        final int index;
        final int id;
        final InMemoryRaftLog log = new InMemoryRaftLog(SyncPolicy.BATCH);
        final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        final Map<Long, SimClient> pendingReads = new HashMap<>();
        RaftNode raft;
        Map<Integer, StateMachine> services;
        boolean crashed;
        long incarnation;
        long pausedUntilNs;
        boolean flushScheduled;
        long crashOnTermChangeFrom = -1;
        String lastTrace = "";
        long localBaseNs;
        long simBaseNs;
        double rate = 1.0;

        SimNode(final int index, final int id)
        {
            this.index = index;
            this.id = id;
        }

        long localClockNs()
        {
            return localBaseNs + (long)((nowNs - simBaseNs) * rate);
        }

        void changeRate(final double newRate)
        {
            localBaseNs = localClockNs();
            simBaseNs = nowNs;
            rate = newRate;
        }
    }

    private void start(final SimNode node)
    {
        node.crashed = false;
        node.incarnation++;
        node.pendingReads.clear();
        final Map<Integer, StateMachine> raw = serviceFactory.create(node.id);
        node.services = raw;
        final RaftNode.Context ctx = new RaftNode.Context()
            .nodeId(node.id)
            .members(memberIds)
            .log(node.log)
            .snapshotStore(node.snapshots)
            .outbox((to, buffer, offset, length) -> sendPeer(node, to, buffer, offset, length))
            .egress(new Egress(node))
            .random(new SplitMixRandom(random.nextLong()))
            .electionTimeoutMinNs(config.electionTimeoutMinNs)
            .electionTimeoutMaxNs(config.electionTimeoutMaxNs)
            .heartbeatIntervalNs(config.heartbeatIntervalNs)
            .snapshotThresholdEntries(config.snapshotThresholdEntries)
            .snapshotRetainEntries(config.snapshotRetainEntries)
            .snapshotChunkBytes(config.snapshotChunkBytes)
            .maxBatchBytes(config.maxBatchBytes)
            .maxInflightAppends(config.maxInflightAppends)
            .maxSessions(config.maxSessions)
            .responsesPerSession(config.responsesPerSession)
            .sessionTimeoutNs(config.sessionTimeoutNs)
            .appliedEntryListener(entry -> checker.onApplied(node.index, entry));
        for (final Map.Entry<Integer, StateMachine> e : new TreeMap<>(raw).entrySet())
        {
            ctx.service(e.getKey(), new CheckedStateMachine(e.getValue(), checker, e.getKey()));
        }
        config.customizer.accept(ctx);
        node.raft = new RaftNode(ctx);
        checker.onStart(node.index);
        scheduleTick(node, node.incarnation);
    }

    private void scheduleTick(final SimNode node, final long incarnation)
    {
        schedule(nowNs + config.tickIntervalNs, node.index, () ->
        {
            if (node.crashed || node.incarnation != incarnation)
            {
                return;
            }
            node.raft.tick(node.localClockNs());
            scheduleTick(node, incarnation);
        });
    }

    private void requestFlush(final SimNode node)
    {
        if (!node.flushScheduled && !node.crashed)
        {
            node.flushScheduled = true;
            final long incarnation = node.incarnation;
            schedule(nowNs, node.index, () ->
            {
                node.flushScheduled = false;
                if (!node.crashed && node.incarnation == incarnation)
                {
                    node.raft.tick(node.localClockNs());
                }
            });
        }
    }

    /**
     * The "crash during an election" fault: the node dies right after its term changes (it stood for election or
     * voted), and comes back at once.
     */
    private void crashIfTermChanged(final SimNode node)
    {
        if (node.crashOnTermChangeFrom >= 0 && !node.crashed && node.raft.term() > node.crashOnTermChangeFrom)
        {
            node.crashOnTermChangeFrom = -1;
            crash(node);
            note("crash and restart " + node.id + " on entering term " + node.raft.term());
            schedule(nowNs + 1, -1, () -> restart(node));
        }
    }

    private void crash(final SimNode node)
    {
        if (node.crashed)
        {
            return;
        }
        crashes++;
        node.crashed = true;
        node.flushScheduled = false;
        node.log.crash();
        checker.onCrash(node.index);
    }

    private void restart(final SimNode node)
    {
        if (node.crashed)
        {
            start(node);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Network
    // ------------------------------------------------------------------------------------------------------------

    private void sendPeer(final SimNode from, final int toId, final DirectBuffer buffer, final int offset,
        final int length)
    {
        messagesSent++;
        final int to = toId - 1;
        if (blocked[from.index][to] || random.nextDouble() < lossProbability)
        {
            messagesDropped++;
            return;
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        final int copies = random.nextDouble() < duplicateProbability ? 2 : 1;
        for (int c = 0; c < copies; c++)
        {
            schedule(nowNs + delay(), to, () ->
            {
                final SimNode target = nodes[to];
                if (!target.crashed)
                {
                    target.raft.step(new UnsafeBuffer(bytes), 0, bytes.length);
                    requestFlush(target);
                }
            });
        }
    }

    private long delay()
    {
        if (random.nextDouble() < config.longDelayProbability)
        {
            return random.nextLong(config.longDelayNs) + 1;
        }
        return random.nextLong(config.maxDelayNs) + 1;
    }

    private boolean clientLinkLost()
    {
        return random.nextDouble() < lossProbability;
    }

    /**
     * Sends a client action to a node over the lossy network; on arrival it runs against the node's current
     * incarnation, unless the node is down.
     */
    private void toNode(final SimClient client, final int nodeIndex, final NodeAction action)
    {
        if (clientLinkLost())
        {
            if (DEBUG)
            {
                System.out.println("  " + nowNs / 1_000_000 + "ms lost request from client " + client.clientId());
            }
            return;
        }
        schedule(nowNs + delay(), nodeIndex, () ->
        {
            final SimNode node = nodes[nodeIndex];
            if (!node.crashed)
            {
                node.raft.tick(node.localClockNs());
                action.run(node);
                requestFlush(node);
            }
        });
    }

    private void toClient(final SimClient client, final Runnable action)
    {
        if (clientLinkLost())
        {
            if (DEBUG)
            {
                System.out.println("  " + nowNs / 1_000_000 + "ms lost answer to client " + client.clientId() +
                    " p=" + lossProbability);
            }
            return;
        }
        final long at = nowNs + delay();
        if (DEBUG)
        {
            System.out.println("  " + nowNs / 1_000_000 + "ms answer to client " + client.clientId() + " at " +
                at / 1_000_000);
        }
        schedule(at, -1, action);
    }

    @FunctionalInterface
    private interface NodeAction
    {
        void run(SimNode node);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Client API: requests travel the network to a node and answers travel back
    // ------------------------------------------------------------------------------------------------------------

    public void openSession(final SimClient client, final int nodeIndex, final long correlationId)
    {
        toNode(client, nodeIndex, node ->
        {
            final Status status = node.raft.openSession(correlationId);
            if (status != Status.OK)
            {
                refuse(client, correlationId, status, node.raft.leaderId());
            }
        });
    }

    public void propose(
        final SimClient client, final int nodeIndex, final int serviceId, final long sessionId,
        final long requestSequence, final byte[] command)
    {
        clientBySession.put(sessionId, client);
        toNode(client, nodeIndex, node ->
        {
            final Status status = node.raft.propose(
                serviceId, sessionId, requestSequence, new UnsafeBuffer(command), 0, command.length);
            if (status != Status.OK)
            {
                refuse(client, requestSequence, status, node.raft.leaderId());
            }
        });
    }

    public void read(final SimClient client, final int nodeIndex, final long correlationId)
    {
        toNode(client, nodeIndex, node ->
        {
            node.pendingReads.put(correlationId, client);
            final Status status = node.raft.read(correlationId);
            if (status != Status.OK)
            {
                node.pendingReads.remove(correlationId);
                refuse(client, correlationId, status, node.raft.leaderId());
            }
        });
    }

    /**
     * @return the index of the node with this id.
     */
    public int indexOf(final int nodeId)
    {
        return nodeId - 1;
    }

    public void scheduleClientTimer(final SimClient client, final long delayNs, final long token)
    {
        schedule(nowNs + delayNs, -1, () -> client.onTimer(token));
    }

    private void refuse(final SimClient client, final long id, final Status status, final int leaderHint)
    {
        toClient(client, () -> client.onRefused(id, status, leaderHint));
    }

    private final class Egress implements ClientEgress
    {
        private final SimNode node;

        Egress(final SimNode node)
        {
            this.node = node;
        }

        public void onSessionOpened(final long correlationId, final long sessionId, final Status status)
        {
            final SimClient client = clientForCorrelation(correlationId);
            if (null != client)
            {
                if (status == Status.OK)
                {
                    clientBySession.put(sessionId, client);
                }
                toClient(client, () -> client.onSessionOpened(correlationId, sessionId, status));
            }
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
            final SimClient client = clientBySession.get(sessionId);
            if (DEBUG)
            {
                System.out.println("  " + nowNs / 1_000_000 + "ms node " + node.id + " answers session " + sessionId +
                    " seq " + requestSequence + " index " + logIndex + " " + status + " to " + client);
            }
            if (null != client)
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                toClient(client, () -> client.onResponse(sessionId, requestSequence, logIndex, status, bytes));
            }
        }

        public void onReadReady(final long correlationId, final long readIndex)
        {
            final SimClient client = node.pendingReads.remove(correlationId);
            if (null != client)
            {
                final long value = client.evaluateRead(correlationId, node.services);
                toClient(client, () -> client.onReadResult(correlationId, Status.OK, value));
            }
        }

        public void onReadFailed(final long correlationId, final Status status)
        {
            final SimClient client = node.pendingReads.remove(correlationId);
            if (null != client)
            {
                toClient(client, () -> client.onReadResult(correlationId, status, 0));
            }
        }
    }

    private SimClient clientForCorrelation(final long correlationId)
    {
        final int clientId = (int)(correlationId >>> 32);
        for (final SimClient client : clients)
        {
            if (client.clientId() == clientId)
            {
                return client;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Faults
    // ------------------------------------------------------------------------------------------------------------

    private void scheduleFaults()
    {
        long at = 0;
        while (true)
        {
            at += 1 + (long)(-Math.log(1 - random.nextDouble()) * config.meanFaultIntervalNs);
            if (at >= config.faultPhaseNs)
            {
                break;
            }
            final int kind = random.nextInt(10);
            final long when = at;
            schedule(when, -1, () -> injectFault(kind));
        }
    }

    private void injectFault(final int kind)
    {
        if (healed)
        {
            return;
        }
        final int n = nodes.length;
        switch (kind)
        {
            case 0:
            {
                final boolean[] side = new boolean[n];
                final int first = random.nextInt(n);
                side[first] = true;
                for (int i = 0; i < n; i++)
                {
                    if (i != first && random.nextInt(3) == 0)
                    {
                        side[i] = true;
                    }
                }
                for (int a = 0; a < n; a++)
                {
                    for (int b = 0; b < n; b++)
                    {
                        if (side[a] != side[b])
                        {
                            blocked[a][b] = true;
                        }
                    }
                }
                note("partition " + java.util.Arrays.toString(side));
                scheduleHealPartitions();
                break;
            }
            case 1:
            {
                final int a = random.nextInt(n);
                final int b = (a + 1 + random.nextInt(n - 1)) % n;
                blocked[a][b] = true;
                note("one-way partition " + (a + 1) + " -> " + (b + 1));
                scheduleHealPartitions();
                break;
            }
            case 2:
            {
                final int leader = leaderIndex();
                if (leader >= 0)
                {
                    for (int b = 0; b < n; b++)
                    {
                        if (b != leader)
                        {
                            blocked[leader][b] = true;
                            blocked[b][leader] = true;
                        }
                    }
                    note("isolate leader " + (leader + 1));
                    scheduleHealPartitions();
                }
                break;
            }
            case 3:
            case 4:
            {
                final int target = kind == 3 ? random.nextInt(n) : Math.max(0, leaderIndex());
                final SimNode node = nodes[target];
                if (!node.crashed)
                {
                    crash(node);
                    final long downFor = 20_000_000L + random.nextLong(2_000_000_000L);
                    note("crash " + node.id + " for " + downFor / 1_000_000 + "ms");
                    schedule(nowNs + downFor, -1, () -> restart(node));
                }
                break;
            }
            case 5:
            {
                final SimNode node = nodes[random.nextInt(n)];
                final long pause = 500_000_000L + random.nextLong(2_500_000_000L);
                node.pausedUntilNs = Math.max(node.pausedUntilNs, nowNs + pause);
                note("pause " + node.id + " for " + pause / 1_000_000 + "ms");
                break;
            }
            case 6:
            {
                final SimNode node = nodes[random.nextInt(n)];
                final double rate = 0.8 + random.nextDouble() * 0.45;
                node.changeRate(rate);
                note("clock rate of " + node.id + " = " + rate);
                break;
            }
            case 7:
            {
                final int leader = leaderIndex();
                if (leader >= 0)
                {
                    final int target = (leader + 1 + random.nextInt(n - 1)) % n;
                    final Status status = nodes[leader].raft.transferLeadership(memberIds[target]);
                    note("transfer leadership " + (leader + 1) + " -> " + (target + 1) + ": " + status);
                    requestFlush(nodes[leader]);
                }
                break;
            }
            case 9:
            {
                final SimNode node = nodes[random.nextInt(n)];
                if (!node.crashed)
                {
                    node.crashOnTermChangeFrom = node.raft.term();
                    note("crash " + node.id + " when its term next changes");
                }
                break;
            }
            default:
            {
                final SimNode node = nodes[random.nextInt(n)];
                if (!node.crashed)
                {
                    crash(node);
                    note("crash and restart " + node.id);
                    schedule(nowNs + 1, -1, () -> restart(node));
                }
                break;
            }
        }
    }

    private void scheduleHealPartitions()
    {
        final long after = 200_000_000L + random.nextLong(2_500_000_000L);
        schedule(nowNs + after, -1, () ->
        {
            for (final boolean[] row : blocked)
            {
                java.util.Arrays.fill(row, false);
            }
            note("heal partitions");
        });
    }

    private void healAll()
    {
        healed = true;
        lossProbability = 0;
        for (final boolean[] row : blocked)
        {
            java.util.Arrays.fill(row, false);
        }
        for (final SimNode node : nodes)
        {
            restart(node);
            node.pausedUntilNs = Math.min(node.pausedUntilNs, nowNs);
        }
        note("heal all");
    }

    private int leaderIndex()
    {
        int best = -1;
        long bestTerm = -1;
        for (final SimNode node : nodes)
        {
            if (!node.crashed && node.raft.role() == RaftRole.LEADER && node.raft.term() > bestTerm)
            {
                best = node.index;
                bestTerm = node.raft.term();
            }
        }
        return best;
    }

    /**
     * @return true if a node leads the highest term any live node is in, and every live node follows it.
     */
    public boolean hasStableLeader()
    {
        final int leader = leaderIndex();
        if (leader < 0)
        {
            return false;
        }
        final long term = nodes[leader].raft.term();
        for (final SimNode node : nodes)
        {
            if (!node.crashed && node.raft.term() > term)
            {
                return false;
            }
        }
        return true;
    }

    private void note(final String fault)
    {
        faultLog.add(nowNs / 1_000_000 + "ms " + fault);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------------------------------

    private void schedule(final long timeNs, final int nodeIndex, final Runnable action)
    {
        events.add(new Event(timeNs, eventSequence++, nodeIndex, action));
    }

    private static final class Event implements Comparable<Event>
    {
        long timeNs;
        long sequence;
        final int nodeIndex;
        final Runnable action;

        Event(final long timeNs, final long sequence, final int nodeIndex, final Runnable action)
        {
            this.timeNs = timeNs;
            this.sequence = sequence;
            this.nodeIndex = nodeIndex;
            this.action = action;
        }

        public int compareTo(final Event other)
        {
            final int byTime = Long.compare(timeNs, other.timeNs);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
