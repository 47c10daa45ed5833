package dev.grid.node;

import dev.grid.transport.AeronTransport;
import org.agrona.collections.Long2LongHashMap;

/**
 * Which response channel (egress slot) answers which client: sessions already open, and session opens still on
 * their way through the log (by the client's correlation id). A client tells a node its channel in a
 * SessionConnect; the node keeps one egress publication per channel and forgets it once it has been disconnected
 * for {@link #IDLE_EGRESS_NS}, so a crashed client costs nothing for long.
 * <p>
 * Sized at start; lookups and updates allocate nothing once the maps have reached their working size.
 */
final class ClientConnections
{
    static final long NONE = -1;
    static final long IDLE_EGRESS_NS = 30_000_000_000L;

    private final AeronTransport transport;
    private final Long2LongHashMap egressBySession;
    private final Long2LongHashMap egressByPendingOpen;
    private final String[] channels;
    private final int[] streamIds;
    private final long[] disconnectedSinceNs;

    ClientConnections(final AeronTransport transport, final int maxClients)
    {
        this.transport = transport;
        egressBySession = new Long2LongHashMap(maxClients * 2, 0.65f, NONE);
        egressByPendingOpen = new Long2LongHashMap(maxClients * 2, 0.65f, NONE);
        channels = new String[maxClients];
        streamIds = new int[maxClients];
        disconnectedSinceNs = new long[maxClients];
    }

    /**
     * @return the egress slot for the channel, opening it if this node has none yet; -1 if all slots are taken.
     */
    int connect(final String channel, final int streamId, final long nowNs)
    {
        for (int slot = 0; slot < channels.length; slot++)
        {
            if (null != channels[slot] && streamIds[slot] == streamId && channels[slot].equals(channel))
            {
                disconnectedSinceNs[slot] = nowNs;
                return slot;
            }
        }
        final int slot = transport.openEgress(channel, streamId);
        if (slot >= 0)
        {
            channels[slot] = channel;
            streamIds[slot] = streamId;
            disconnectedSinceNs[slot] = nowNs;
        }
        return slot;
    }

    void attachSession(final long sessionId, final int slot)
    {
        egressBySession.put(sessionId, slot);
    }

    void awaitOpen(final long correlationId, final int slot)
    {
        egressByPendingOpen.put(correlationId, slot);
    }

    /**
     * @return the slot that waits for this session open, or -1; the wait ends.
     */
    int completeOpen(final long correlationId)
    {
        return (int)egressByPendingOpen.remove(correlationId);
    }

    /**
     * @return the slot answering the session here, or -1 if its client never connected to this node.
     */
    int egressOf(final long sessionId)
    {
        return (int)egressBySession.get(sessionId);
    }

    void forgetSession(final long sessionId)
    {
        egressBySession.remove(sessionId);
    }

    /**
     * Closes egress publications whose client has been gone for a while, and forgets what pointed at them.
     *
     * @return the number closed.
     */
    int closeIdle(final long nowNs)
    {
        int closed = 0;
        for (int slot = 0; slot < channels.length; slot++)
        {
            if (null == channels[slot])
            {
                continue;
            }
            if (transport.isEgressConnected(slot))
            {
                disconnectedSinceNs[slot] = nowNs;
            }
            else if (nowNs - disconnectedSinceNs[slot] > IDLE_EGRESS_NS)
            {
                transport.closeEgress(slot);
                channels[slot] = null;
                removeValue(egressBySession, slot);
                removeValue(egressByPendingOpen, slot);
                closed++;
            }
        }
        return closed;
    }

    private static void removeValue(final Long2LongHashMap map, final long value)
    {
        final Long2LongHashMap.KeyIterator keys = map.keySet().iterator();
        while (keys.hasNext())
        {
            final long key = keys.nextValue();
            if (map.get(key) == value)
            {
                keys.remove();
            }
        }
    }
}
