package dev.grid.cli;

import dev.grid.node.NodeCounters;
import dev.grid.sbe.NodeRole;
import dev.grid.transport.TransportCounters;
import io.aeron.CncFileDescriptor;
import io.aeron.CommonContext;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.status.CountersReader;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The counters one node publishes (its own, {@link NodeCounters}, and its transport's, {@link TransportCounters}),
 * read from its media driver's CnC file by another process, as AeronStat does.
 */
final class CounterFile implements AutoCloseable
{
    /** The grid's counter type ids: the transport's from 1101, the node's from 1201, anything the grid adds after. */
    static final int FIRST_GRID_TYPE_ID = TransportCounters.SENT_TYPE_ID;
    static final int LAST_GRID_TYPE_ID = 1999;
    /** A driver that has not updated its heartbeat this long is not running (a SIGKILLed node leaves its file). */
    static final long DRIVER_TIMEOUT_MS = 10_000;

    private final String aeronDirectory;
    private final MappedByteBuffer cnc;
    private final CountersReader reader;

    private CounterFile(final String aeronDirectory, final MappedByteBuffer cnc, final CountersReader reader)
    {
        this.aeronDirectory = aeronDirectory;
        this.cnc = cnc;
        this.reader = reader;
    }

    /**
     * @return the counters of the driver in {@code aeronDirectory}, or null if no running driver is there.
     */
    static CounterFile open(final String aeronDirectory)
    {
        final File directory = new File(aeronDirectory);
        final File cncFile = new File(directory, CncFileDescriptor.CNC_FILE);
        if (!cncFile.isFile() || !CommonContext.isDriverActive(directory, DRIVER_TIMEOUT_MS, ignore -> {}))
        {
            return null;
        }
        final MappedByteBuffer cnc = IoUtil.mapExistingFile(cncFile, "cnc");
        try
        {
            final DirectBuffer metaData = CncFileDescriptor.createMetaDataBuffer(cnc);
            CncFileDescriptor.checkVersion(metaData.getInt(CncFileDescriptor.cncVersionOffset(0)));
            return new CounterFile(aeronDirectory, cnc, new CountersReader(
                CncFileDescriptor.createCountersMetaDataBuffer(cnc, metaData),
                CncFileDescriptor.createCountersValuesBuffer(cnc, metaData)));
        }
        catch (final RuntimeException ex)
        {
            IoUtil.unmap(cnc);
            throw ex;
        }
    }

    String aeronDirectory()
    {
        return aeronDirectory;
    }

    /**
     * @return the value of the first allocated counter of this type, or {@code missing} if there is none.
     */
    long value(final int typeId, final long missing)
    {
        final long[] value = {missing};
        final boolean[] found = {false};
        reader.forEach((counterId, counterTypeId, keyBuffer, label) ->
        {
            if (!found[0] && counterTypeId == typeId)
            {
                value[0] = reader.getCounterValue(counterId);
                found[0] = true;
            }
        });
        return value[0];
    }

    /**
     * @return the node's role, or null if its counters are not (yet) published.
     */
    NodeRole role()
    {
        final long role = value(NodeCounters.ROLE_TYPE_ID, -1);
        return role < 0 ? null : NodeRole.get((short)role);
    }

    /**
     * @return every grid counter in the file: the node's (Raft, caches, locks) in the order the node allocated them,
     * then the transport's, so that the role comes first.
     */
    List<Counter> gridCounters()
    {
        final List<Counter> counters = new ArrayList<>();
        final List<Counter> transport = new ArrayList<>();
        reader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId >= FIRST_GRID_TYPE_ID && typeId <= LAST_GRID_TYPE_ID)
            {
                (typeId < NodeCounters.ROLE_TYPE_ID ? transport : counters)
                    .add(new Counter(typeId, label, reader.getCounterValue(counterId)));
            }
        });
        counters.addAll(transport);
        return counters;
    }

    public void close()
    {
        IoUtil.unmap(cnc);
    }

    record Counter(int typeId, String label, long value)
    {
    }
}
