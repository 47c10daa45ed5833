package dev.grid.consensus;

import dev.grid.core.GridException;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.checksum.Crc32c;

/**
 * A {@link SnapshotStore} in memory, for simulations and tests: it survives a simulated crash because the simulation
 * keeps the object. Its three buffers are reused, so once they have grown to the state's size taking, sending and
 * installing snapshots allocates nothing.
 */
public final class InMemorySnapshotStore implements SnapshotStore
{
    private Slot current = new Slot();
    private Slot next = new Slot();
    private Slot install = new Slot();
    private boolean hasSnapshot;
    private boolean installing;
    private final Writer writer = new Writer();
    private final Reader reader = new Reader();

    public boolean hasSnapshot()
    {
        return hasSnapshot;
    }

    public long index()
    {
        return hasSnapshot ? current.index : 0;
    }

    public long term()
    {
        return hasSnapshot ? current.term : 0;
    }

    public long timestamp()
    {
        return hasSnapshot ? current.timestamp : 0;
    }

    public long length()
    {
        return hasSnapshot ? current.length : 0;
    }

    public int checksum()
    {
        return hasSnapshot ? current.checksum : 0;
    }

    public SnapshotWriter beginSnapshot(final long index, final long term, final long timestamp)
    {
        next.start(index, term, timestamp, 0);
        writer.slot = next;
        return writer;
    }

    public void commitSnapshot()
    {
        next.checksum = next.computeChecksum();
        final Slot previous = current;
        current = next;
        next = previous;
        hasSnapshot = true;
        writer.slot = null;
    }

    public SnapshotReader reader()
    {
        if (!hasSnapshot)
        {
            throw new IllegalStateException("no snapshot");
        }
        reader.slot = current;
        reader.position = 0;
        return reader;
    }

    public int readChunk(
        final long position, final MutableDirectBuffer destination, final int destinationOffset, final int maxLength)
    {
        final int length = (int)Math.max(0, Math.min(maxLength, current.length - position));
        destination.putBytes(destinationOffset, current.bytes, (int)position, length);
        return length;
    }

    public void beginInstall(
        final long index, final long term, final long timestamp, final long totalLength, final int checksum)
    {
        install.start(index, term, timestamp, totalLength);
        install.checksum = checksum;
        installing = true;
    }

    public int installChecksum()
    {
        return install.checksum;
    }

    public long installIndex()
    {
        return installing ? install.index : -1;
    }

    public long installTerm()
    {
        return install.term;
    }

    public long installedLength()
    {
        return installing ? install.length : 0;
    }

    public long installTotalLength()
    {
        return install.totalLength;
    }

    public void writeInstallChunk(final DirectBuffer source, final int offset, final int length)
    {
        if (!installing)
        {
            throw new IllegalStateException("no install in progress");
        }
        install.append(source, offset, length);
    }

    public boolean commitInstall()
    {
        if (!installing || install.length != install.totalLength)
        {
            throw new IllegalStateException("install incomplete: " + install.length + " of " + install.totalLength);
        }
        installing = false;
        if (install.computeChecksum() != install.checksum)
        {
            return false;
        }
        final Slot previous = current;
        current = install;
        install = previous;
        hasSnapshot = true;
        return true;
    }

    public void abortInstall()
    {
        installing = false;
    }

    private static final class Slot
    {
        final ExpandableDirectByteBuffer bytes = new ExpandableDirectByteBuffer(4096);
        long index;
        long term;
        long timestamp;
        long totalLength;
        int length;
        int checksum;

        void start(final long index, final long term, final long timestamp, final long totalLength)
        {
            this.index = index;
            this.term = term;
            this.timestamp = timestamp;
            this.totalLength = totalLength;
            length = 0;
        }

        void append(final DirectBuffer source, final int offset, final int length)
        {
            bytes.putBytes(this.length, source, offset, length);
            this.length += length;
        }

        int computeChecksum()
        {
            return Crc32c.INSTANCE.compute(bytes.addressOffset(), 0, length);
        }
    }

    private static final class Writer implements SnapshotWriter
    {
        Slot slot;

        public void write(final DirectBuffer source, final int offset, final int length)
        {
            slot.append(source, offset, length);
        }
    }

    private static final class Reader implements SnapshotReader
    {
        Slot slot;
        int position;

        public void readFully(final MutableDirectBuffer destination, final int offset, final int length)
        {
            if (length < 0 || length > remaining())
            {
                throw new GridException(Status.MALFORMED,
                    "snapshot ends early: wanted " + length + " bytes at " + position + ", " + remaining() + " left");
            }
            destination.putBytes(offset, slot.bytes, position, length);
            position += length;
        }

        public long remaining()
        {
            return slot.length - position;
        }
    }
}
