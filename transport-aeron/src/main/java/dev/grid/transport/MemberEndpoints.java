package dev.grid.transport;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster's members and where to reach them: {@code id=host:peerPort:clientPort}, comma-separated, e.g.
 * {@code 0=10.0.0.1:20110:20120,1=10.0.0.2:20110:20120,2=10.0.0.3:20110:20120}. Ids are 0 to n-1, each once.
 */
public final class MemberEndpoints
{
    /** The lowest port {@link #freeLoopbackUdpPorts} chooses: above the well-known and most registered services. */
    static final int LOWEST_CHOSEN_PORT = 10000;

    private final String[] hosts;
    private final int[] peerPorts;
    private final int[] clientPorts;

    private MemberEndpoints(final String[] hosts, final int[] peerPorts, final int[] clientPorts)
    {
        this.hosts = hosts;
        this.peerPorts = peerPorts;
        this.clientPorts = clientPorts;
    }

    /**
     * @param spec the members, as above.
     * @return the parsed members.
     * @throws IllegalArgumentException naming what is wrong with the spec.
     */
    public static MemberEndpoints parse(final String spec)
    {
        if (null == spec || spec.isBlank())
        {
            throw new IllegalArgumentException("no members given: expected id=host:peerPort:clientPort,...");
        }
        final String[] parts = spec.trim().split("\\s*,\\s*");
        final String[] hosts = new String[parts.length];
        final int[] peerPorts = new int[parts.length];
        final int[] clientPorts = new int[parts.length];
        for (final String part : parts)
        {
            final int equals = part.indexOf('=');
            final String[] address = equals < 0 ? new String[0] : part.substring(equals + 1).split(":");
            if (equals < 0 || address.length != 3)
            {
                throw new IllegalArgumentException("member '" + part + "' is not id=host:peerPort:clientPort");
            }
            final int id = parseNumber(part.substring(0, equals), "member id", part);
            if (id < 0 || id >= parts.length)
            {
                throw new IllegalArgumentException("member id " + id + " in '" + part + "' is outside 0.." +
                    (parts.length - 1));
            }
            if (null != hosts[id])
            {
                throw new IllegalArgumentException("member id " + id + " is given twice");
            }
            hosts[id] = address[0];
            peerPorts[id] = parsePort(address[1], part);
            clientPorts[id] = parsePort(address[2], part);
        }
        return new MemberEndpoints(hosts, peerPorts, clientPorts);
    }

    /**
     * Members on loopback, each with two UDP ports that were free a moment ago ({@link #freeLoopbackUdpPorts}): for
     * local clusters that must not collide with anything else running on the host.
     *
     * @param count members.
     * @return the members.
     */
    public static MemberEndpoints freeLoopback(final int count)
    {
        final int[] ports = freeLoopbackUdpPorts(count * 2);
        final StringBuilder spec = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            spec.append(i == 0 ? "" : ",").append(i).append("=localhost:")
                .append(ports[2 * i]).append(':').append(ports[2 * i + 1]);
        }
        return parse(spec.toString());
    }

    /**
     * UDP ports on loopback that were free a moment ago, all different (each socket is held open until every port is
     * known), chosen at random outside the range the OS hands out to sockets bound to port 0. A port from that range
     * can be taken by any socket on the host between this call and the node's bind; in one test run a member failed
     * to start because its port was in use, most likely taken by another member's Aeron send socket.
     *
     * @param count ports.
     * @return the ports.
     */
    public static int[] freeLoopbackUdpPorts(final int count)
    {
        final int[] ephemeral = ephemeralPortRange();
        final int below = Math.max(0, ephemeral[0] - LOWEST_CHOSEN_PORT);
        final int above = Math.max(0, 65535 - ephemeral[1]);
        if (below + above < count * 16)
        {
            throw new IllegalStateException("too few ports outside the ephemeral range " + ephemeral[0] + "-" +
                ephemeral[1] + " to choose " + count + " from");
        }
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final DatagramSocket[] sockets = new DatagramSocket[count];
        final int[] ports = new int[count];
        try
        {
            int chosen = 0;
            for (int attempt = 0; chosen < count && attempt < count * 64; attempt++)
            {
                final int draw = random.nextInt(below + above);
                final int port = draw < below ? LOWEST_CHOSEN_PORT + draw : ephemeral[1] + 1 + draw - below;
                try
                {
                    sockets[chosen] = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    ports[chosen++] = port;
                }
                catch (final SocketException inUse)
                {
                    // taken (by a socket of this call too): draw another
                }
            }
            if (chosen < count)
            {
                throw new IllegalStateException("found " + chosen + " of " + count + " free UDP ports in " +
                    (count * 64) + " attempts");
            }
            return ports;
        }
        finally
        {
            for (final DatagramSocket socket : sockets)
            {
                if (null != socket)
                {
                    socket.close();
                }
            }
        }
    }

    /**
     * @return the lowest and highest port the OS gives a socket bound to port 0: Linux's ip_local_port_range, or
     * IANA's dynamic ports 49152-65535 where that cannot be read.
     */
    static int[] ephemeralPortRange()
    {
        try
        {
            return parsePortRange(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")));
        }
        catch (final IOException | RuntimeException unknown)
        {
            return new int[] {49152, 65535};
        }
    }

    /**
     * @param text two port numbers separated by white space, as in ip_local_port_range.
     * @return the two ports, lowest first.
     */
    static int[] parsePortRange(final String text)
    {
        final String[] bounds = text.trim().split("\\s+");
        if (bounds.length != 2)
        {
            throw new IllegalArgumentException("not a port range: '" + text + "'");
        }
        final int low = Integer.parseInt(bounds[0]);
        final int high = Integer.parseInt(bounds[1]);
        if (low < 1 || high > 65535 || low > high)
        {
            throw new IllegalArgumentException("not a port range: '" + text + "'");
        }
        return new int[] {low, high};
    }

    /**
     * Members on one host with consecutive ports, for local clusters and tests.
     *
     * @param count          members.
     * @param host           they all listen on.
     * @param firstPeerPort  of member 0; member i uses {@code firstPeerPort + i}.
     * @param firstClientPort of member 0; member i uses {@code firstClientPort + i}.
     * @return the members.
     */
    public static MemberEndpoints local(final int count, final String host, final int firstPeerPort,
        final int firstClientPort)
    {
        final StringBuilder spec = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            spec.append(i == 0 ? "" : ",").append(i).append('=').append(host).append(':')
                .append(firstPeerPort + i).append(':').append(firstClientPort + i);
        }
        return parse(spec.toString());
    }

    public int count()
    {
        return hosts.length;
    }

    public String peerEndpoint(final int memberId)
    {
        return hosts[memberId] + ":" + peerPorts[memberId];
    }

    public String clientEndpoint(final int memberId)
    {
        return hosts[memberId] + ":" + clientPorts[memberId];
    }

    public int[] ids()
    {
        final int[] ids = new int[hosts.length];
        Arrays.setAll(ids, i -> i);
        return ids;
    }

    public String toString()
    {
        final StringBuilder spec = new StringBuilder();
        for (int i = 0; i < hosts.length; i++)
        {
            spec.append(i == 0 ? "" : ",").append(i).append('=').append(hosts[i]).append(':').append(peerPorts[i])
                .append(':').append(clientPorts[i]);
        }
        return spec.toString();
    }

    private static int parsePort(final String text, final String part)
    {
        final int port = parseNumber(text, "port", part);
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("port " + port + " in '" + part + "' is outside 1..65535");
        }
        return port;
    }

    private static int parseNumber(final String text, final String what, final String part)
    {
        try
        {
            return Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(what + " '" + text + "' in '" + part + "' is not a number");
        }
    }
}
