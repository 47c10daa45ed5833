package dev.grid.jmh.e2e;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.lock.FencedLock;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The lock peer: Hazelcast 5.4.0's CP Subsystem with three CP members in this JVM over TCP on loopback, and a
 * Hazelcast client (as our grid's client, a separate connection to the cluster) taking and releasing a
 * {@link FencedLock}. Phone-home is off and Hazelcast logs through SLF4J at warn. Hazelcast has no idle strategy
 * to set: its I/O threads block in NIO selectors and its operation threads in queues (woken by signals).
 */
final class HazelcastSystem implements AutoCloseable
{
    static final String NAME = "hazelcast-cp";
    private static final int MEMBERS = 3;
    private static final String LOCK = "bench-lock";
    private static final String LOOPBACK = "127.0.0.1";

    static
    {
        // Read by Hazelcast's logging factory before any configuration exists.
        System.setProperty("hazelcast.logging.type", "slf4j");
        System.setProperty("hazelcast.phone.home.enabled", "false");
    }

    private final List<HazelcastInstance> members = new ArrayList<>();
    private final HazelcastInstance client;
    private final FencedLock lock;

    HazelcastSystem() throws InterruptedException
    {
        final String clusterName = "grid-e2e-" + UUID.randomUUID();
        final int[] ports = freeTcpPorts(MEMBERS);
        final List<String> addresses = new ArrayList<>();
        for (final int port : ports)
        {
            addresses.add(LOOPBACK + ":" + port);
        }
        HazelcastInstance connected = null;
        try
        {
            for (final int port : ports)
            {
                members.add(Hazelcast.newHazelcastInstance(memberConfig(clusterName, port, addresses)));
            }
            if (!members.get(0).getCPSubsystem().getCPSubsystemManagementService()
                .awaitUntilDiscoveryCompleted(60, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("Hazelcast's CP Subsystem did not discover its members in 60 s");
            }
            final ClientConfig clientConfig = new ClientConfig().setClusterName(clusterName);
            clientConfig.setProperty("hazelcast.phone.home.enabled", "false");
            clientConfig.setProperty("hazelcast.logging.type", "slf4j");
            clientConfig.getNetworkConfig().setAddresses(addresses);
            connected = HazelcastClient.newHazelcastClient(clientConfig);
        }
        catch (final RuntimeException | InterruptedException ex)
        {
            if (null != connected)
            {
                connected.shutdown();
            }
            members.forEach(member -> member.getLifecycleService().terminate());
            throw ex;
        }
        client = connected;
        lock = client.getCPSubsystem().getLock(LOCK);
    }

    private static Config memberConfig(final String clusterName, final int port, final List<String> addresses)
    {
        final Config config = new Config().setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        final NetworkConfig network = config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(LOOPBACK);
        final JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(addresses);
        config.getCPSubsystemConfig().setCPMemberCount(MEMBERS);
        return config;
    }

    void lockUnlock()
    {
        lock.lockAndGetFence();
        lock.unlock();
    }

    String describe()
    {
        return "3 CP members + client (TCP on loopback)";
    }

    public void close()
    {
        client.shutdown();
        members.forEach(member -> member.getLifecycleService().terminate());
    }

    private static int[] freeTcpPorts(final int count)
    {
        final ServerSocket[] sockets = new ServerSocket[count];
        try
        {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++)
            {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        finally
        {
            CloseHelper.quietCloseAll(sockets);
        }
    }
}
