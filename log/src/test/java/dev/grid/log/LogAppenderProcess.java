package dev.grid.log;

import dev.grid.sbe.EntryType;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Paths;

/**
 * A child process for {@link LogCrashRecoveryTest}: appends entries whose contents follow from their index, syncs
 * every {@code syncEvery} entries and reports each synced index on stdout, until it is killed.
 */
public final class LogAppenderProcess
{
    private LogAppenderProcess()
    {
    }

    static int payloadLength(final long index)
    {
        return 16 + (int)(index % 97) * 5;
    }

    static byte payloadByte(final long index, final int position)
    {
        return (byte)(index * 31 + position * 7);
    }

    static long termOf(final long index)
    {
        return 1 + index / 1_000;
    }

    static ChronicleRaftLog.Context context(final String directory)
    {
        return new ChronicleRaftLog.Context()
            .directory(Paths.get(directory))
            .syncPolicy(SyncPolicy.BATCH)
            .blockSize(256 * 1024)
            .maxEntryLength(16 * 1024)
            .segmentLength(128 * 1024);
    }

    public static void main(final String[] args)
    {
        final int syncEvery = Integer.parseInt(args[1]);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[1024]);
        try (ChronicleRaftLog log = ChronicleRaftLog.open(context(args[0])))
        {
            System.out.println("opened " + log.lastIndex());
            System.out.flush();
            long index = log.lastIndex();
            while (true)
            {
                index++;
                final int length = payloadLength(index);
                for (int i = 0; i < length; i++)
                {
                    payload.putByte(i, payloadByte(index, i));
                }
                log.append(index, termOf(index), index, EntryType.COMMAND, 1, 1, index, payload, 0, length);
                if (index % syncEvery == 0)
                {
                    log.sync();
                    System.out.println("synced " + index);
                    System.out.flush();
                }
                if (index % 3_000 == 0)
                {
                    log.compactTo(index - 1_000);
                }
            }
        }
    }
}
