package dev.grid.core;

import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A snapshot held in memory: written once, then read back from the start. Tests use it to round-trip state
 * machines; the simulation uses it as a node's snapshot store.
 */
public final class InMemorySnapshot implements SnapshotWriter, SnapshotReader
{
    private final ExpandableDirectByteBuffer bytes;
    private int writeLimit;
    private int readPosition;

    public InMemorySnapshot()
    {
        this(4096);
    }

    public InMemorySnapshot(final int initialCapacity)
    {
        bytes = new ExpandableDirectByteBuffer(initialCapacity);
    }

    public void write(final DirectBuffer source, final int offset, final int length)
    {
        bytes.putBytes(writeLimit, source, offset, length);
        writeLimit += length;
    }

    public void readFully(final MutableDirectBuffer destination, final int offset, final int length)
    {
        if (length < 0 || length > remaining())
        {
            throw new GridException(Status.MALFORMED,
                "snapshot ends early: wanted " + length + " bytes at " + readPosition + ", " + remaining() + " left");
        }
        destination.putBytes(offset, bytes, readPosition, length);
        readPosition += length;
    }

    public long remaining()
    {
        return writeLimit - readPosition;
    }

    /**
     * Starts reading from the beginning again.
     *
     * @return this.
     */
    public InMemorySnapshot rewind()
    {
        readPosition = 0;
        return this;
    }

    /**
     * @return the bytes written, from offset 0 to {@link #length()}.
     */
    public DirectBuffer buffer()
    {
        return bytes;
    }

    public int length()
    {
        return writeLimit;
    }
}
