package dev.grid.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * The cluster's members and where to reach them: {@code id=host:peerPort:clientPort}, comma-separated, e.g.
 * {@code 0=10.0.0.1:20110:20120,1=10.0.0.2:20110:20120,2=10.0.0.3:20110:20120}. Ids are 0 to n-1, each once.
 */
public final class MemberEndpoints
{
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
     * Members on loopback, each with two UDP ports the OS reported free a moment ago: for local clusters that must
     * not collide with anything else running on the host.
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
     * UDP ports on loopback that the OS reported free a moment ago, all different (each socket is held open until
     * every port is known).
     *
     * @param count ports.
     * @return the ports.
     */
    public static int[] freeLoopbackUdpPorts(final int count)
    {
        final DatagramSocket[] sockets = new DatagramSocket[count];
        try
        {
            final int[] ports = new int[count];
            for (int i = 0; i < count; i++)
            {
                sockets[i] = new DatagramSocket(0, InetAddress.getLoopbackAddress());
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
