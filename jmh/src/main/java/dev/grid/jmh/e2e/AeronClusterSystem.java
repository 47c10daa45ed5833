package dev.grid.jmh.e2e;

import dev.grid.client.GridClient;
import dev.grid.transport.EmbeddedDriver;
import dev.grid.transport.MemberEndpoints;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.exceptions.TimeoutException;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpLock;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The peer: Aeron Cluster 1.51.0 with three members in this JVM, each a {@link ClusteredMediaDriver} (media driver,
 * archive, consensus module) and a {@link ClusteredServiceContainer} running an echo service, over UDP on loopback;
 * an {@link AeronCluster} client on its own media driver. Every driver has the grid's embedded driver settings
 * ({@link EmbeddedDriver#context}) and every agent (archive, consensus module, service) the grid's idle strategy;
 * the archive runs in its shared threading mode (one agent). Messages are 32 bytes.
 */
final class AeronClusterSystem implements AutoCloseable, EgressListener
{
    static final String NAME = "aeron-cluster";
    static final int MESSAGE_LENGTH = 32;
    private static final int MEMBERS = 3;
    private static final int PORTS_PER_MEMBER = 5;
    private static final long CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long STALL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final ClusteredMediaDriver[] drivers = new ClusteredMediaDriver[MEMBERS];
    private final ClusteredServiceContainer[] containers = new ClusteredServiceContainer[MEMBERS];
    private final MediaDriver clientDriver;
    private final AeronCluster client;
    private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE_LENGTH));
    private long sent;
    private long received;
    private long lastEcho;

    AeronClusterSystem(final Path directory, final Settings settings)
    {
        final int[] ports = MemberEndpoints.freeLoopbackUdpPorts(MEMBERS * PORTS_PER_MEMBER);
        final StringBuilder members = new StringBuilder();
        final StringBuilder ingressEndpoints = new StringBuilder();
        for (int i = 0; i < MEMBERS; i++)
        {
            final int first = i * PORTS_PER_MEMBER;
            members.append(i == 0 ? "" : "|").append(i)
                .append(",localhost:").append(ports[first])
                .append(",localhost:").append(ports[first + 1])
                .append(",localhost:").append(ports[first + 2])
                .append(",localhost:").append(ports[first + 3])
                .append(",localhost:").append(ports[first + 4]);
            ingressEndpoints.append(i == 0 ? "" : ",").append(i).append("=localhost:").append(ports[first]);
        }
        final String aeronBase = CommonContext.getAeronDirectoryName() + "-aeron-cluster-e2e-" +
            ProcessHandle.current().pid();
        final int fileSyncLevel = settings.fsync() ? 1 : 0;
        MediaDriver launchedClientDriver = null;
        AeronCluster connected = null;
        try
        {
            for (int i = 0; i < MEMBERS; i++)
            {
                final String aeronDir = aeronBase + "-" + i;
                final File memberDir = directory.resolve("member-" + i).toFile();
                final Archive.Context archive = new Archive.Context()
                    .aeronDirectoryName(aeronDir)
                    .archiveDir(new File(memberDir, "archive"))
                    .archiveId(i)
                    .controlChannel("aeron:udp?endpoint=localhost:" + ports[i * PORTS_PER_MEMBER + 4])
                    .archiveClientContext(new AeronArchive.Context()
                        .controlResponseChannel("aeron:udp?endpoint=localhost:0"))
                    .localControlChannel("aeron:ipc?term-length=64k")
                    .replicationChannel("aeron:udp?endpoint=localhost:0")
                    .recordingEventsEnabled(false)
                    .threadingMode(ArchiveThreadingMode.SHARED)
                    .idleStrategySupplier(settings::newIdleStrategy)
                    .fileSyncLevel(fileSyncLevel)
                    .deleteArchiveOnStart(true);
                final AeronArchive.Context archiveClient = new AeronArchive.Context()
                    .lock(NoOpLock.INSTANCE)
                    .controlRequestChannel(archive.localControlChannel())
                    .controlRequestStreamId(archive.localControlStreamId())
                    .controlResponseChannel(archive.localControlChannel())
                    .aeronDirectoryName(aeronDir);
                final ConsensusModule.Context consensus = new ConsensusModule.Context()
                    .clusterMemberId(i)
                    .clusterMembers(members.toString())
                    .ingressChannel("aeron:udp")
                    .clusterDir(new File(memberDir, "cluster"))
                    .archiveContext(archiveClient.clone())
                    .serviceCount(1)
                    .replicationChannel("aeron:udp?endpoint=localhost:0")
                    .idleStrategySupplier(settings::newIdleStrategy)
                    .fileSyncLevel(fileSyncLevel)
                    .deleteDirOnStart(true);
                drivers[i] = ClusteredMediaDriver.launch(
                    EmbeddedDriver.context(aeronDir, settings.busySpin()), archive, consensus);
                containers[i] = ClusteredServiceContainer.launch(new ClusteredServiceContainer.Context()
                    .aeronDirectoryName(aeronDir)
                    .archiveContext(archiveClient.clone())
                    .clusterDir(new File(memberDir, "cluster"))
                    .clusteredService(new EchoService())
                    .idleStrategySupplier(settings::newIdleStrategy));
            }
            launchedClientDriver = MediaDriver.launch(
                EmbeddedDriver.context(aeronBase + "-client", settings.busySpin()));
            connected = connect(launchedClientDriver.aeronDirectoryName(), ingressEndpoints.toString(), settings);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(connected);
            CloseHelper.quietClose(launchedClientDriver);
            CloseHelper.quietCloseAll(containers);
            CloseHelper.quietCloseAll(drivers);
            throw ex;
        }
        clientDriver = launchedClientDriver;
        client = connected;
    }

    /**
     * Connects once a leader is elected (the first election may outlast one connect attempt).
     */
    private AeronCluster connect(final String aeronDir, final String ingressEndpoints, final Settings settings)
    {
        final long deadline = System.nanoTime() + CONNECT_TIMEOUT_NS;
        while (true)
        {
            try
            {
                return AeronCluster.connect(new AeronCluster.Context()
                    .aeronDirectoryName(aeronDir)
                    .ingressChannel("aeron:udp")
                    .ingressEndpoints(ingressEndpoints)
                    .egressChannel("aeron:udp?endpoint=localhost:0")
                    .egressListener(this)
                    .idleStrategy(settings.newIdleStrategy())
                    .messageTimeoutNs(TimeUnit.SECONDS.toNanos(10)));
            }
            catch (final TimeoutException ex)
            {
                if (System.nanoTime() > deadline)
                {
                    throw ex;
                }
            }
        }
    }

    /**
     * One 32-byte message to the cluster and its echo back, from the calling thread (the client is polled here).
     */
    void echo()
    {
        final long start = System.nanoTime();
        final long sequence = ++sent;
        message.putLong(0, sequence);
        for (int spins = 0; client.offer(message, 0, MESSAGE_LENGTH) < 0; spins++)
        {
            client.pollEgress();
            awaitMore(spins, start);
        }
        for (int spins = 0; lastEcho != sequence; spins++)
        {
            if (0 == client.pollEgress())
            {
                awaitMore(spins, start);
            }
        }
    }

    /**
     * Pipelined echoes: at most {@code window} unanswered.
     */
    void pipelinedEchoes(final long operations, final int window)
    {
        final long target = received + operations;
        final long lastToSend = sent + operations;
        long progressAt = System.nanoTime();
        int spins = 0;
        while (received < target)
        {
            int work = 0;
            if (sent < lastToSend && sent - received < window)
            {
                message.putLong(0, sent + 1);
                if (client.offer(message, 0, MESSAGE_LENGTH) > 0)
                {
                    sent++;
                    work++;
                }
            }
            work += client.pollEgress();
            if (0 == work)
            {
                awaitMore(spins++, progressAt);
            }
            else
            {
                spins = 0;
                progressAt = System.nanoTime();
            }
        }
    }

    /**
     * Waits as our client's application threads wait, and fails a run that made no progress for too long (a
     * leader lost mid-run) instead of hanging.
     */
    private static void awaitMore(final int spins, final long sinceNs)
    {
        if (spins > 1_000 && System.nanoTime() - sinceNs > STALL_TIMEOUT_NS)
        {
            throw new IllegalStateException("Aeron Cluster answered nothing for " +
                TimeUnit.NANOSECONDS.toSeconds(STALL_TIMEOUT_NS) + " s");
        }
        GridClient.pause(spins);
    }

    public void onMessage(
        final long clusterSessionId,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        lastEcho = buffer.getLong(offset);
        received++;
    }

    String describe()
    {
        return "3 members (driver, archive, consensus module, service container each) + client on its own driver";
    }

    public void close()
    {
        CloseHelper.quietClose(client);
        CloseHelper.quietClose(clientDriver);
        CloseHelper.quietCloseAll(containers);
        CloseHelper.quietCloseAll(drivers);
    }

    /**
     * Sends every message back to the session it came from. Only the leader's service really sends; followers'
     * offers are no-ops by Aeron Cluster's design.
     */
    static final class EchoService implements ClusteredService
    {
        private IdleStrategy idle;

        public void onStart(final Cluster cluster, final Image snapshotImage)
        {
            idle = cluster.idleStrategy();
        }

        public void onSessionOpen(final ClientSession session, final long timestamp)
        {
        }

        public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
        {
        }

        public void onSessionMessage(
            final ClientSession session,
            final long timestamp,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final Header header)
        {
            idle.reset();
            long result;
            while (Publication.BACK_PRESSURED == (result = session.offer(buffer, offset, length)) ||
                Publication.ADMIN_ACTION == result)
            {
                idle.idle();
            }
        }

        public void onTimerEvent(final long correlationId, final long timestamp)
        {
        }

        public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
        {
        }

        public void onRoleChange(final Cluster.Role newRole)
        {
        }

        public void onTerminate(final Cluster cluster)
        {
        }
    }
}
