package dev.grid.log;

import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.collections.Int2ObjectHashMap;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Read-only memory mappings of the log's segment files, one per segment, so that reading an entry anywhere in the
 * log is an address computation. Chronicle's tailer is built to stream, and its random moves remap chunks and
 * switch cycle stores (tens of microseconds each); Raft reads at the positions of several followers at once.
 * <p>
 * The mappings share the page cache with Chronicle's writable ones, so appended records are visible at once. A
 * segment is remapped only when a read reaches past its mapped length (the file grew), which happens a few times
 * per segment; steady-state reads allocate nothing.
 */
final class SegmentMappings implements AutoCloseable
{
    private final RollingResourcesCache files;
    private final long expectedSegmentSize;
    private final Int2ObjectHashMap<Mapping> byCycle = new Int2ObjectHashMap<>();
    private Mapping last;

    /**
     * @param files               names the file of each segment.
     * @param expectedSegmentSize how far a segment file may grow (records, Chronicle's index arrays and a last
     *                            block); each segment is mapped that far at once, so it is mapped once in its life.
     */
    SegmentMappings(final RollingResourcesCache files, final long expectedSegmentSize)
    {
        this.files = files;
        this.expectedSegmentSize = expectedSegmentSize;
    }

    /**
     * @param cycle  the segment.
     * @param limit  the file offset the mapping must reach.
     * @return the address of the segment's first byte, mapped at least to {@code limit}.
     */
    long address(final int cycle, final long limit)
    {
        Mapping mapping = last;
        if (null == mapping || mapping.cycle != cycle)
        {
            mapping = byCycle.get(cycle);
            if (null == mapping)
            {
                mapping = new Mapping(cycle);
                byCycle.put(cycle, mapping);
            }
            last = mapping;
        }
        if (limit > mapping.length)
        {
            mapping.remap(limit);
        }
        return mapping.address;
    }

    void release(final int cycle)
    {
        final Mapping mapping = byCycle.remove(cycle);
        if (null != mapping)
        {
            mapping.unmap();
            if (last == mapping)
            {
                last = null;
            }
        }
    }

    public void close()
    {
        byCycle.values().forEach(Mapping::unmap);
        byCycle.clear();
        last = null;
    }

    private final class Mapping
    {
        final int cycle;
        MappedByteBuffer buffer;
        long address;
        long length;

        Mapping(final int cycle)
        {
            this.cycle = cycle;
        }

        void remap(final long limit)
        {
            unmap();
            try (FileChannel channel = FileChannel.open(files.resourceFor(cycle).path.toPath(),
                StandardOpenOption.READ, StandardOpenOption.WRITE))
            {
                final long fileSize = channel.size();
                if (fileSize < limit)
                {
                    throw new LogCorruptedException("segment " + cycle + " is " + fileSize + " bytes, a record ends at " +
                        limit);
                }
                // Mapping past the end extends the (sparse) file, as Chronicle itself does block by block.
                final long size = Math.min(Integer.MAX_VALUE, Math.max(fileSize, expectedSegmentSize));
                buffer = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
                address = BufferUtil.address(buffer);
                length = size;
            }
            catch (final IOException ex)
            {
                throw new LogException("cannot map segment " + cycle, ex);
            }
        }

        void unmap()
        {
            if (null != buffer)
            {
                IoUtil.unmap(buffer);
                buffer = null;
                address = 0;
                length = 0;
            }
        }
    }
}
