package dev.grid.consensus;

import dev.grid.core.GridException;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.LangUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

/**
 * A {@link SnapshotStore} in a directory: the current snapshot is {@code snapshot.dat}, a header (magic, index, term,
 * timestamp, length, CRC-32C) and the bytes. A new one, the node's own or one arriving from the leader, is written to
 * a temporary file, forced to disk, and renamed over the current one atomically, so a crash leaves either the old
 * snapshot or the new one, never a mix. On open the current file is verified against its checksum; one that fails is
 * refused with an exception rather than restored.
 * <p>
 * In background mode the node's own snapshot is only copied into memory by the caller's thread; a thread of the
 * store writes it, forces it and renames it, and {@link #poll()} on the caller's thread makes it current once that is
 * done. Writing tens of megabytes and forcing them takes hundreds of milliseconds on a small VM, which the node's
 * single thread would otherwise spend not answering anyone. The cost is a copy of the snapshot in memory, kept for
 * the next one.
 */
public final class FileSnapshotStore implements SnapshotStore, AutoCloseable
{
    static final String CURRENT_FILE = "snapshot.dat";
    static final String NEXT_FILE = "snapshot.next";
    static final String INSTALL_FILE = "snapshot.install";
    private static final long MAGIC = 0x534E_4150_4752_4944L;
    private static final int HEADER_LENGTH = 48;

    private final Path directory;
    private final ByteBuffer io = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer ioBuffer = new UnsafeBuffer(io);
    private final CRC32C crc = new CRC32C();
    private final Meta current = new Meta();
    private final Meta next = new Meta();
    private final Meta install = new Meta();
    private final Writer writer = new Writer();
    private final Reader reader = new Reader();
    private FileChannel currentChannel;
    private FileChannel nextChannel;
    private FileChannel installChannel;
    private boolean installing;
    private final BackgroundWriter background;
    private boolean pending;

    /**
     * Opens the store in a directory, creating it if needed, and verifies the current snapshot if there is one.
     *
     * @throws IllegalStateException if the current snapshot does not match its checksum.
     */
    public FileSnapshotStore(final Path directory)
    {
        this(directory, false);
    }

    /**
     * Opens the store in a directory, creating it if needed, and verifies the current snapshot if there is one.
     *
     * @param inBackground write the node's own snapshots to disk on a thread of the store (see the class comment).
     * @throws IllegalStateException if the current snapshot does not match its checksum.
     */
    public FileSnapshotStore(final Path directory, final boolean inBackground)
    {
        this.directory = directory;
        try
        {
            Files.createDirectories(directory);
            Files.deleteIfExists(directory.resolve(NEXT_FILE));
            Files.deleteIfExists(directory.resolve(INSTALL_FILE));
            final Path file = directory.resolve(CURRENT_FILE);
            if (Files.exists(file))
            {
                currentChannel = FileChannel.open(file, StandardOpenOption.READ);
                readHeader(currentChannel, current);
                if (checksumOf(currentChannel, current.length) != current.checksum)
                {
                    closeQuietly(currentChannel);
                    throw new IllegalStateException("snapshot " + file + " does not match its checksum");
                }
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot open snapshot store " + directory, ex);
        }
        // Started last: a store that failed to open leaves no thread behind.
        this.background = inBackground ? new BackgroundWriter() : null;
    }

    public boolean hasSnapshot()
    {
        return null != currentChannel;
    }

    public long index()
    {
        return hasSnapshot() ? current.index : 0;
    }

    public long term()
    {
        return hasSnapshot() ? current.term : 0;
    }

    public long timestamp()
    {
        return hasSnapshot() ? current.timestamp : 0;
    }

    public long length()
    {
        return hasSnapshot() ? current.length : 0;
    }

    public int checksum()
    {
        return hasSnapshot() ? current.checksum : 0;
    }

    public SnapshotWriter beginSnapshot(final long index, final long term, final long timestamp)
    {
        if (pending)
        {
            throw new IllegalStateException("snapshot at " + next.index + " is still being written");
        }
        next.set(index, term, timestamp, 0, 0);
        if (null == background)
        {
            closeQuietly(nextChannel);
            nextChannel = createTemporary(NEXT_FILE);
            crc.reset();
        }
        return writer;
    }

    public void commitSnapshot()
    {
        if (null == background)
        {
            next.checksum = (int)crc.getValue();
            promote(nextChannel, NEXT_FILE, next);
            nextChannel = null;
        }
        else
        {
            pending = true;
            background.start(next.length);
        }
    }

    /**
     * Allocates (and touches) the memory a background snapshot of this length is copied into, so that the first
     * snapshot does not grow it on the node's thread. Does nothing when snapshots are written in the caller's thread.
     *
     * @param length the expected snapshot length in bytes; a longer snapshot grows the memory when it comes.
     */
    public void reserve(final long length)
    {
        if (null != background && !pending && length > background.staged.capacity())
        {
            // Exactly this much: growing the buffer would round up by half again.
            background.staged = new ExpandableDirectByteBuffer(
                (int)Math.min(length, BackgroundWriter.MAX_STAGED_LENGTH));
        }
    }

    public boolean snapshotPending()
    {
        return pending;
    }

    public int poll()
    {
        if (!pending || !background.done)
        {
            return 0;
        }
        pending = false;
        final Throwable failure = background.failure;
        if (null != failure)
        {
            background.failure = null;
            throw new IllegalStateException("snapshot at " + next.index + " was not written", failure);
        }
        // The file was renamed over the current one by the background thread; the old channel still reads the
        // old file, which is why the switch happens here, on the thread that reads.
        next.checksum = background.checksum;
        closeQuietly(currentChannel);
        currentChannel = background.channel;
        background.channel = null;
        current.set(next.index, next.term, next.timestamp, next.length, next.checksum);
        return 1;
    }

    /**
     * Waits until a snapshot being written in the background is current (or failed).
     */
    public void awaitPending()
    {
        while (pending && !background.done)
        {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
        poll();
    }

    public SnapshotReader reader()
    {
        if (!hasSnapshot())
        {
            throw new IllegalStateException("no snapshot");
        }
        reader.position = 0;
        return reader;
    }

    public int readChunk(
        final long position, final MutableDirectBuffer destination, final int destinationOffset, final int maxLength)
    {
        final int length = (int)Math.max(0, Math.min(Math.min(maxLength, io.capacity()), current.length - position));
        readFully(currentChannel, HEADER_LENGTH + position, length);
        destination.putBytes(destinationOffset, ioBuffer, 0, length);
        return length;
    }

    public void beginInstall(
        final long index, final long term, final long timestamp, final long totalLength, final int checksum)
    {
        awaitPending();
        closeQuietly(installChannel);
        installChannel = createTemporary(INSTALL_FILE);
        install.set(index, term, timestamp, totalLength, checksum);
        install.written = 0;
        installing = true;
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
        return installing ? install.written : 0;
    }

    public long installTotalLength()
    {
        return install.length;
    }

    public int installChecksum()
    {
        return install.checksum;
    }

    public void writeInstallChunk(final DirectBuffer source, final int offset, final int length)
    {
        if (!installing)
        {
            throw new IllegalStateException("no install in progress");
        }
        append(installChannel, HEADER_LENGTH + install.written, source, offset, length);
        install.written += length;
    }

    public boolean commitInstall()
    {
        if (!installing || install.written != install.length)
        {
            throw new IllegalStateException("install incomplete: " + install.written + " of " + install.length);
        }
        installing = false;
        // The background thread renames its file over the current one: it must not do so after this install.
        awaitPending();
        if (checksumOf(installChannel, install.length) != install.checksum)
        {
            closeQuietly(installChannel);
            installChannel = null;
            return false;
        }
        promote(installChannel, INSTALL_FILE, install);
        installChannel = null;
        return true;
    }

    public void abortInstall()
    {
        installing = false;
        closeQuietly(installChannel);
        installChannel = null;
    }

    public void close()
    {
        try
        {
            if (null != background)
            {
                try
                {
                    awaitPending();
                }
                finally
                {
                    background.stop();
                }
            }
        }
        finally
        {
            closeQuietly(currentChannel);
            closeQuietly(nextChannel);
            closeQuietly(installChannel);
            currentChannel = null;
        }
    }

    private FileChannel createTemporary(final String name)
    {
        try
        {
            return FileChannel.open(directory.resolve(name), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot create " + name + " in " + directory, ex);
        }
    }

    /**
     * Writes the header, forces the file, renames it over the current snapshot and forces the directory.
     */
    private void promote(final FileChannel channel, final String name, final Meta meta)
    {
        try
        {
            putHeader(io, meta.index, meta.term, meta.timestamp, meta.length, meta.checksum);
            while (io.hasRemaining())
            {
                channel.write(io, io.position());
            }
            channel.force(true);
            Files.move(directory.resolve(name), directory.resolve(CURRENT_FILE), StandardCopyOption.ATOMIC_MOVE);
            forceDirectory();
            closeQuietly(currentChannel);
            currentChannel = channel;
            current.set(meta.index, meta.term, meta.timestamp, meta.length, meta.checksum);
        }
        catch (final IOException ex)
        {
            LangUtil.rethrowUnchecked(ex);
        }
    }

    private static void putHeader(
        final ByteBuffer buffer, final long index, final long term, final long timestamp, final long length,
        final int checksum)
    {
        buffer.clear();
        buffer.putLong(0, MAGIC).putLong(8, index).putLong(16, term).putLong(24, timestamp)
            .putLong(32, length).putInt(40, checksum).putInt(44, 0);
        buffer.limit(HEADER_LENGTH);
    }

    private void forceDirectory()
    {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ))
        {
            dir.force(true);
        }
        catch (final IOException ignore)
        {
            // Not every file system lets a directory be opened for reading; the rename itself is atomic.
        }
    }

    private void append(
        final FileChannel channel, final long position, final DirectBuffer source, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int chunk = Math.min(io.capacity(), length - done);
            ioBuffer.putBytes(0, source, offset + done, chunk);
            io.clear().limit(chunk);
            try
            {
                while (io.hasRemaining())
                {
                    channel.write(io, position + done + io.position());
                }
            }
            catch (final IOException ex)
            {
                LangUtil.rethrowUnchecked(ex);
            }
            done += chunk;
        }
    }

    private void readFully(final FileChannel channel, final long position, final int length)
    {
        io.clear().limit(length);
        try
        {
            while (io.hasRemaining())
            {
                if (channel.read(io, position + io.position()) < 0)
                {
                    throw new GridException(Status.MALFORMED, "snapshot file ends early at " + position);
                }
            }
        }
        catch (final IOException ex)
        {
            LangUtil.rethrowUnchecked(ex);
        }
    }

    private void readHeader(final FileChannel channel, final Meta meta)
    {
        readFully(channel, 0, HEADER_LENGTH);
        if (io.getLong(0) != MAGIC)
        {
            throw new IllegalStateException("not a snapshot file in " + directory);
        }
        meta.set(io.getLong(8), io.getLong(16), io.getLong(24), io.getLong(32), io.getInt(40));
    }

    private int checksumOf(final FileChannel channel, final long length)
    {
        crc.reset();
        long position = 0;
        while (position < length)
        {
            final int chunk = (int)Math.min(io.capacity(), length - position);
            readFully(channel, HEADER_LENGTH + position, chunk);
            io.flip();
            crc.update(io);
            position += chunk;
        }
        return (int)crc.getValue();
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Closing a file we only read or already forced loses nothing.
            }
        }
    }

    private static final class Meta
    {
        long index;
        long term;
        long timestamp;
        long length;
        int checksum;
        long written;

        void set(final long index, final long term, final long timestamp, final long length, final int checksum)
        {
            this.index = index;
            this.term = term;
            this.timestamp = timestamp;
            this.length = length;
            this.checksum = checksum;
        }
    }

    private final class Writer implements SnapshotWriter
    {
        public void write(final DirectBuffer source, final int offset, final int length)
        {
            if (null != background)
            {
                if (next.length + length > BackgroundWriter.MAX_STAGED_LENGTH)
                {
                    throw new IllegalStateException("a snapshot of more than " + BackgroundWriter.MAX_STAGED_LENGTH +
                        " bytes cannot be staged in memory: write it in the node's thread instead" +
                        " (grid.snapshot.background=false)");
                }
                background.staged.putBytes((int)next.length, source, offset, length);
                next.length += length;
                return;
            }
            int done = 0;
            while (done < length)
            {
                final int chunk = Math.min(io.capacity(), length - done);
                ioBuffer.putBytes(0, source, offset + done, chunk);
                io.clear().limit(chunk);
                crc.update(io);
                io.flip();
                try
                {
                    while (io.hasRemaining())
                    {
                        nextChannel.write(io, HEADER_LENGTH + next.length + done + io.position());
                    }
                }
                catch (final IOException ex)
                {
                    LangUtil.rethrowUnchecked(ex);
                }
                done += chunk;
            }
            next.length += length;
        }
    }

    /**
     * The thread that writes, forces and renames the node's own snapshot from the bytes staged in memory. Handed one
     * snapshot at a time through volatile fields: the caller writes {@code staged} before {@link #start}, this thread
     * writes the results before {@code done}.
     */
    private final class BackgroundWriter implements Runnable
    {
        static final long MAX_STAGED_LENGTH = Integer.MAX_VALUE - 4096;
        static final int WRITE_SLICE_BYTES = 1024 * 1024;
        static final long SLICE_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(1);

        ExpandableDirectByteBuffer staged = new ExpandableDirectByteBuffer(1024 * 1024);
        private final CRC32C backgroundCrc = new CRC32C();
        private final ByteBuffer header = ByteBuffer.allocateDirect(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        private final Thread thread;
        private long length;
        private volatile boolean requested;
        private volatile boolean running = true;
        volatile boolean done = true;
        FileChannel channel;
        int checksum;
        Throwable failure;

        BackgroundWriter()
        {
            thread = new Thread(this, "grid-snapshot-writer");
            thread.setDaemon(true);
            thread.start();
        }

        void start(final long length)
        {
            this.length = length;
            done = false;
            requested = true;
            LockSupport.unpark(thread);
        }

        void stop()
        {
            running = false;
            LockSupport.unpark(thread);
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        public void run()
        {
            while (running)
            {
                if (!requested)
                {
                    LockSupport.park(this);
                    continue;
                }
                requested = false;
                try
                {
                    write();
                }
                catch (final Throwable ex)
                {
                    closeQuietly(channel);
                    channel = null;
                    failure = ex;
                }
                done = true;
            }
        }

        private void write() throws IOException
        {
            channel = createTemporary(NEXT_FILE);
            final ByteBuffer bytes = staged.byteBuffer().duplicate();
            bytes.limit((int)length).position(0);
            backgroundCrc.reset();
            backgroundCrc.update(bytes);
            checksum = (int)backgroundCrc.getValue();
            // In slices with a pause between them: on a small machine one thread copying tens of megabytes into
            // the page cache at once takes a core from the node's thread for as long.
            for (int position = 0; position < length; )
            {
                final int end = (int)Math.min(length, position + WRITE_SLICE_BYTES);
                bytes.limit(end).position(position);
                while (bytes.hasRemaining())
                {
                    channel.write(bytes, HEADER_LENGTH + bytes.position());
                }
                position = end;
                LockSupport.parkNanos(SLICE_PAUSE_NS);
            }
            putHeader(header, next.index, next.term, next.timestamp, length, checksum);
            while (header.hasRemaining())
            {
                channel.write(header, header.position());
            }
            channel.force(true);
            Files.move(directory.resolve(NEXT_FILE), directory.resolve(CURRENT_FILE), StandardCopyOption.ATOMIC_MOVE);
            forceDirectory();
        }
    }

    private final class Reader implements SnapshotReader
    {
        long position;

        public void readFully(final MutableDirectBuffer destination, final int offset, final int length)
        {
            if (length < 0 || length > remaining())
            {
                throw new GridException(Status.MALFORMED,
                    "snapshot ends early: wanted " + length + " bytes at " + position + ", " + remaining() + " left");
            }
            int done = 0;
            while (done < length)
            {
                final int chunk = Math.min(io.capacity(), length - done);
                FileSnapshotStore.this.readFully(currentChannel, HEADER_LENGTH + position + done, chunk);
                destination.putBytes(offset + done, ioBuffer, 0, chunk);
                done += chunk;
            }
            position += length;
        }

        public long remaining()
        {
            return current.length - position;
        }
    }
}
