package dev.grid.log;

import com.sun.management.ThreadMXBean;
import dev.grid.sbe.EntryType;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log on the agent thread's hot path, measured with the thread's allocation counter over 300,000 appends (with
 * a BATCH sync every 100) and 300,000 reads and term lookups after warm-up. What remains is Chronicle's: a few
 * hundred bytes when it maps its next 16 MiB chunk, tens of kilobytes when the log rolls to a new 64 MiB segment,
 * and our one mapping per segment on its first read; per operation that is far below one byte, the bar JMH's
 * {@code gc.alloc.rate.norm} is held to.
 */
class LogAllocationTest
{
    private static final ThreadMXBean THREADS = (ThreadMXBean)ManagementFactory.getThreadMXBean();
    private static final int WARM_UP_ROUNDS = 2;
    private static final int ROUNDS = 8;
    private static final int APPENDS_PER_ROUND = 50_000;

    @TempDir
    Path dir;

    @Test
    void steadyStateAppendsAndReadsAllocateLessThanAByteAnOperation()
    {
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[256]);
        try (ChronicleRaftLog log = ChronicleRaftLog.open(new ChronicleRaftLog.Context()
            .directory(dir)
            .syncPolicy(SyncPolicy.BATCH)
            .initialIndexCapacity(1 << 20)))
        {
            final long threadId = Thread.currentThread().getId();
            long index = 0;
            long sink = 0;
            long appendBytes = 0;
            long readBytes = 0;
            long reads = 0;
            for (int round = 0; round < ROUNDS; round++)
            {
                final long before = THREADS.getThreadAllocatedBytes(threadId);
                for (int i = 0; i < APPENDS_PER_ROUND; i++)
                {
                    index++;
                    payload.putLong(0, index);
                    log.append(index, 1 + index / 10_000, index, EntryType.COMMAND, 1, 2, index, payload, 0, 256);
                    if (index % 100 == 0)
                    {
                        log.sync();
                    }
                }
                final long afterAppends = THREADS.getThreadAllocatedBytes(threadId);
                final long firstRead = index - APPENDS_PER_ROUND + 1;
                for (long read = firstRead; read <= index; read++)
                {
                    sink += log.entry(read).payload().getLong(0) + log.termAt(firstRead + index - read);
                }
                final long afterReads = THREADS.getThreadAllocatedBytes(threadId);
                if (round >= WARM_UP_ROUNDS)
                {
                    appendBytes += afterAppends - before;
                    readBytes += afterReads - afterAppends;
                    reads += APPENDS_PER_ROUND;
                }
            }
            final long appends = (long)(ROUNDS - WARM_UP_ROUNDS) * APPENDS_PER_ROUND;
            assertThat((double)appendBytes / appends).as("bytes per append (%d in all)", appendBytes).isLessThan(1.0);
            assertThat((double)readBytes / reads).as("bytes per read (%d in all)", readBytes).isLessThan(0.1);
            assertThat(sink).isNotZero();
        }
    }
}
