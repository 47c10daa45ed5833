package dev.grid.consensus;

import org.agrona.DirectBuffer;

/**
 * Where a {@link RaftNode} sends its peer messages. The bytes are an encoded SBE message of grid-core's schema,
 * valid only during the call: the transport copies them (into a publication, a queue, a simulated network). A
 * transport that cannot send drops the message; Raft tolerates loss.
 */
@FunctionalInterface
public interface Outbox
{
    /**
     * @param toNodeId the peer.
     * @param buffer   holding the message.
     * @param offset   of its header.
     * @param length   of the whole message.
     */
    void send(int toNodeId, DirectBuffer buffer, int offset, int length);
}
