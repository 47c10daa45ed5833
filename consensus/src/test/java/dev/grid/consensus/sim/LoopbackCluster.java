package dev.grid.consensus.sim;

import dev.grid.consensus.ClientEgress;
import dev.grid.consensus.FileSnapshotStore;
import dev.grid.consensus.InMemorySnapshotStore;
import dev.grid.consensus.RaftNode;
import dev.grid.consensus.RaftRole;
import dev.grid.consensus.SnapshotStore;
import dev.grid.consensus.SplitMixRandom;
import dev.grid.core.StateMachine;
import dev.grid.log.InMemoryRaftLog;
import dev.grid.log.RaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * A cluster stepped by hand in one thread, with nothing in between the nodes but preallocated ring buffers: every
 * message is delivered, in order, when asked. Once warm it allocates nothing itself, so the allocation test and the
 * JMH benchmarks measure the consensus path alone. Unit tests use it for scripted scenarios: partitions, crashes,
 * clock offsets.
 */
public final class LoopbackCluster
{
    private static final int RING_CAPACITY = 4 * 1024 * 1024;

    private final int size;
    private final int[] memberIds;
    private final RaftNode[] nodes;
    private final RaftLog[] logs;
    private final IntFunction<RaftLog> logFactory;
    private final SnapshotStore[] snapshots;
    private final IntFunction<SnapshotStore> snapshotFactory;
    private final Map<Integer, StateMachine>[] services;
    private final ExpandableRingBuffer[] inboxes;
    private final ExpandableRingBuffer.MessageConsumer[] consumers;
    private final Recorder[] egress;
    private final boolean[][] blocked;
    private final boolean[] down;
    private final long[] clockOffsetNs;
    private final SimulatedCluster.ServiceFactory serviceFactory;
    private final Consumer<RaftNode.Context> customizer;
    private long nowNs;
    private long delivered;

    public LoopbackCluster(
        final int size, final SimulatedCluster.ServiceFactory serviceFactory, final Consumer<RaftNode.Context> customizer)
    {
        this(size, index -> new InMemoryRaftLog(SyncPolicy.BATCH), index -> new InMemorySnapshotStore(), serviceFactory,
            customizer);
    }

    /**
     * @param logFactory      makes (or reopens) node i's log: an {@link InMemoryRaftLog} crashes in place, any other
     *                        log is closed on a crash and made again by the factory on restart.
     * @param snapshotFactory makes (or reopens) node i's snapshot store: an {@link InMemorySnapshotStore} survives a
     *                        crash as it is, a {@link FileSnapshotStore} is closed and opened again.
     */
    @SuppressWarnings("unchecked")
    public LoopbackCluster(
        final int size,
        final IntFunction<RaftLog> logFactory,
        final IntFunction<SnapshotStore> snapshotFactory,
        final SimulatedCluster.ServiceFactory serviceFactory,
        final Consumer<RaftNode.Context> customizer)
    {
        this.size = size;
        this.logFactory = logFactory;
        this.snapshotFactory = snapshotFactory;
        this.serviceFactory = serviceFactory;
        this.customizer = customizer;
        memberIds = new int[size];
        nodes = new RaftNode[size];
        logs = new RaftLog[size];
        snapshots = new SnapshotStore[size];
        services = new Map[size];
        inboxes = new ExpandableRingBuffer[size];
        consumers = new ExpandableRingBuffer.MessageConsumer[size];
        egress = new Recorder[size];
        blocked = new boolean[size][size];
        down = new boolean[size];
        clockOffsetNs = new long[size];
        for (int i = 0; i < size; i++)
        {
            memberIds[i] = i + 1;
        }
        for (int i = 0; i < size; i++)
        {
            final int index = i;
            logs[i] = logFactory.apply(i);
            snapshots[i] = snapshotFactory.apply(i);
            inboxes[i] = new ExpandableRingBuffer(RING_CAPACITY, ExpandableRingBuffer.MAX_CAPACITY, true);
            egress[i] = new Recorder();
            consumers[i] = (buffer, offset, length, headOffset) ->
            {
                delivered++;
                nodes[index].step(buffer, offset, length);
                return true;
            };
            start(i);
        }
    }

    /**
     * @return a 3- or 5-node cluster of register services with the simulation's timers.
     */
    public static LoopbackCluster ofRegisters(final int size, final Consumer<RaftNode.Context> customizer)
    {
        return new LoopbackCluster(size,
            nodeId -> Map.of(RegisterSimulation.REGISTER_SERVICE_ID, new RegisterStateMachine(4)),
            ctx ->
            {
                ctx.electionTimeoutMinNs(300_000_000L).electionTimeoutMaxNs(600_000_000L)
                    .heartbeatIntervalNs(50_000_000L);
                customizer.accept(ctx);
            });
    }

    private void start(final int i)
    {
        down[i] = false;
        services[i] = serviceFactory.create(memberIds[i]);
        final int from = i;
        final RaftNode.Context ctx = new RaftNode.Context()
            .nodeId(memberIds[i])
            .members(memberIds)
            .log(logs[i])
            .snapshotStore(snapshots[i])
            .random(new SplitMixRandom(0xC0FFEE + i))
            .egress(egress[i])
            .outbox((to, buffer, offset, length) -> send(from, to - 1, buffer, offset, length));
        for (final Map.Entry<Integer, StateMachine> e : new TreeMap<>(services[i]).entrySet())
        {
            ctx.service(e.getKey(), e.getValue());
        }
        customizer.accept(ctx);
        nodes[i] = new RaftNode(ctx);
    }

    private void send(final int from, final int to, final DirectBuffer buffer, final int offset, final int length)
    {
        if (!down[to] && !blocked[from][to])
        {
            inboxes[to].append(buffer, offset, length);
        }
    }

    public int size()
    {
        return size;
    }

    public RaftNode node(final int index)
    {
        return nodes[index];
    }

    public RaftLog log(final int index)
    {
        return logs[index];
    }

    public SnapshotStore snapshots(final int index)
    {
        return snapshots[index];
    }

    public StateMachine service(final int index, final int serviceId)
    {
        return services[index].get(serviceId);
    }

    public Recorder egress(final int index)
    {
        return egress[index];
    }

    public long nowNs()
    {
        return nowNs;
    }

    public long delivered()
    {
        return delivered;
    }

    /**
     * Sets a node's clock ahead of (or behind) the cluster's.
     */
    public void clockOffset(final int index, final long offsetNs)
    {
        clockOffsetNs[index] = offsetNs;
    }

    /**
     * Cuts every link to and from the node.
     */
    public void isolate(final int index)
    {
        for (int i = 0; i < size; i++)
        {
            if (i != index)
            {
                blocked[index][i] = true;
                blocked[i][index] = true;
            }
        }
    }

    /**
     * Cuts the link from one node to another only.
     */
    public void block(final int from, final int to)
    {
        blocked[from][to] = true;
    }

    public void heal()
    {
        for (final boolean[] row : blocked)
        {
            java.util.Arrays.fill(row, false);
        }
    }

    /**
     * The node fails: an in-memory log loses what was not synced (a machine failure), another log is closed (a
     * process failure); its messages in flight are lost.
     */
    public void crash(final int index)
    {
        down[index] = true;
        if (logs[index] instanceof InMemoryRaftLog)
        {
            ((InMemoryRaftLog)logs[index]).crash();
        }
        else
        {
            logs[index].close();
        }
        if (snapshots[index] instanceof FileSnapshotStore)
        {
            ((FileSnapshotStore)snapshots[index]).close();
        }
        inboxes[index].reset(RING_CAPACITY);
    }

    /**
     * The node comes back with new state machines, recovering from its log and snapshot.
     */
    public void restart(final int index)
    {
        if (!(logs[index] instanceof InMemoryRaftLog))
        {
            logs[index] = logFactory.apply(index);
        }
        if (snapshots[index] instanceof FileSnapshotStore)
        {
            snapshots[index] = snapshotFactory.apply(index);
        }
        start(index);
        nodes[index].tick(nowNs + clockOffsetNs[index]);
    }

    /**
     * Closes every node's log and file snapshot store.
     */
    public void closeLogs()
    {
        for (int i = 0; i < size; i++)
        {
            if (!down[i])
            {
                logs[i].close();
                if (snapshots[i] instanceof FileSnapshotStore)
                {
                    ((FileSnapshotStore)snapshots[i]).close();
                }
            }
        }
    }

    public boolean isDown(final int index)
    {
        return down[index];
    }

    /**
     * Flushes every node and delivers every message, until no message is left.
     */
    public void runUntilQuiet()
    {
        do
        {
            for (int i = 0; i < size; i++)
            {
                if (!down[i])
                {
                    nodes[i].flush();
                }
            }
        }
        while (deliverAll() > 0);
    }

    private int deliverAll()
    {
        int bytes = 0;
        for (int i = 0; i < size; i++)
        {
            if (!down[i])
            {
                bytes += inboxes[i].consume(consumers[i], Integer.MAX_VALUE);
            }
        }
        return bytes;
    }

    /**
     * Moves time on, ticks every live node and runs until quiet.
     */
    public void advance(final long deltaNs)
    {
        nowNs += deltaNs;
        for (int i = 0; i < size; i++)
        {
            if (!down[i])
            {
                nodes[i].tick(nowNs + clockOffsetNs[i]);
            }
        }
        runUntilQuiet();
    }

    /**
     * Advances in steps until one node leads and has committed its first entry.
     *
     * @return the leader's index.
     */
    public int awaitLeader(final long timeoutNs)
    {
        final long deadline = nowNs + timeoutNs;
        while (nowNs < deadline)
        {
            advance(10_000_000L);
            final int leader = leaderIndex();
            if (leader >= 0 && nodes[leader].commitIndex() >= nodes[leader].log().lastIndex())
            {
                return leader;
            }
        }
        throw new AssertionError("no leader within " + timeoutNs / 1_000_000 + "ms");
    }

    /**
     * @return the index of a live leader of the highest term, or -1.
     */
    public int leaderIndex()
    {
        int best = -1;
        for (int i = 0; i < size; i++)
        {
            if (!down[i] && nodes[i].role() == RaftRole.LEADER &&
                (best < 0 || nodes[i].term() > nodes[best].term()))
            {
                best = i;
            }
        }
        return best;
    }

    /**
     * Opens a session at the leader and waits for it.
     *
     * @return the session id.
     */
    public long openSession(final int leader, final long correlationId)
    {
        final Status status = nodes[leader].openSession(correlationId);
        if (status != Status.OK)
        {
            throw new AssertionError("open refused: " + status);
        }
        runUntilQuiet();
        if (egress[leader].lastOpenCorrelationId != correlationId || egress[leader].lastOpenStatus != Status.OK)
        {
            throw new AssertionError("session not opened");
        }
        return egress[leader].lastOpenSessionId;
    }

    /**
     * Records what a node told clients, in preallocated fields: the allocation test reads it too.
     */
    public static final class Recorder implements ClientEgress
    {
        public long sessionsOpened;
        public long lastOpenCorrelationId = -1;
        public long lastOpenSessionId;
        public Status lastOpenStatus;
        public long responses;
        public long lastSessionId;
        public long lastSequence;
        public long lastLogIndex;
        public int lastServiceId;
        public Status lastStatus;
        public int lastLength;
        public final UnsafeBuffer lastResponse = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        public long readsReady;
        public long lastReadCorrelationId = -1;
        public long lastReadIndex;
        public long readsFailed;
        public Status lastReadFailure;

        public void onSessionOpened(final long correlationId, final long sessionId, final Status status)
        {
            sessionsOpened++;
            lastOpenCorrelationId = correlationId;
            lastOpenSessionId = sessionId;
            lastOpenStatus = status;
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
            responses++;
            lastSessionId = sessionId;
            lastSequence = requestSequence;
            lastLogIndex = logIndex;
            lastServiceId = serviceId;
            lastStatus = status;
            lastLength = length;
            lastResponse.putBytes(0, buffer, offset, length);
        }

        public void onReadReady(final long correlationId, final long readIndex)
        {
            readsReady++;
            lastReadCorrelationId = correlationId;
            lastReadIndex = readIndex;
        }

        public void onReadFailed(final long correlationId, final Status status)
        {
            readsFailed++;
            lastReadCorrelationId = correlationId;
            lastReadFailure = status;
        }
    }
}
