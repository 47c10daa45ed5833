package dev.grid.core;

import org.agrona.DirectBuffer;

/**
 * Where a {@link StateMachine} writes its snapshot: a file, memory, or chunks on their way to a follower.
 */
public interface SnapshotWriter
{
    /**
     * Appends bytes to the snapshot.
     *
     * @param source buffer holding the bytes.
     * @param offset of the first byte.
     * @param length of the bytes.
     */
    void write(DirectBuffer source, int offset, int length);
}
