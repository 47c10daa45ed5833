package dev.grid.core;

import org.agrona.MutableDirectBuffer;

/**
 * Where a {@link StateMachine} reads a snapshot back from.
 */
public interface SnapshotReader
{
    /**
     * Reads exactly {@code length} bytes.
     *
     * @param destination buffer to fill.
     * @param offset      in the destination.
     * @param length      of the bytes to read.
     * @throws GridException with status MALFORMED if fewer bytes remain.
     */
    void readFully(MutableDirectBuffer destination, int offset, int length);

    /**
     * @return the bytes not read yet.
     */
    long remaining();
}
