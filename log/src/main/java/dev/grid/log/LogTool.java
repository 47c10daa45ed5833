package dev.grid.log;

import dev.grid.core.LogEntryView;
import dev.grid.sbe.EntryType;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Operator commands on a Raft log directory: {@code inspect DIR} prints what a log holds; {@code demo} walks a
 * fresh log through what the grid does to it (append, read, truncate a conflicting suffix, compact, restart with
 * recovery, durable term and vote). Run through {@code bin/grid log ...}.
 */
public final class LogTool
{
    private final PrintStream out;

    LogTool(final PrintStream out)
    {
        this.out = out;
    }

    public static void main(final String[] args) throws Exception
    {
        final int status = new LogTool(System.out).run(args);
        if (status != 0)
        {
            System.exit(status);
        }
    }

    int run(final String[] args) throws Exception
    {
        if (args.length == 2 && "inspect".equals(args[0]))
        {
            inspect(Paths.get(args[1]));
            return 0;
        }
        if (args.length >= 1 && "demo".equals(args[0]))
        {
            final int entries = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
            demo(entries);
            return 0;
        }
        out.println("usage: grid log inspect DIR | grid log demo [ENTRIES]");
        return 2;
    }

    void inspect(final Path directory)
    {
        try (ChronicleRaftLog log = ChronicleRaftLog.open(new ChronicleRaftLog.Context().directory(directory)))
        {
            describe(log);
        }
    }

    void demo(final int entries) throws Exception
    {
        final Path directory = Files.createTempDirectory("grid-log-demo");
        try
        {
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[256]);
            final ChronicleRaftLog.Context context = new ChronicleRaftLog.Context()
                .directory(directory)
                .syncPolicy(SyncPolicy.BATCH)
                .segmentLength(2 * 1024 * 1024);
            try (ChronicleRaftLog log = ChronicleRaftLog.open(context))
            {
                out.printf("log opened in %s (sync policy %s)%n", directory, log.syncPolicy());
                log.setTerm(1);
                log.setVote(1);
                final long start = System.nanoTime();
                for (long index = 1; index <= entries; index++)
                {
                    final int length = payload.putStringWithoutLengthAscii(0, "put key-" + (index % 1000) + " = " + index);
                    log.append(index, 1 + index / (entries / 4 + 1), index, EntryType.COMMAND, 1, 42, index, payload,
                        0, length);
                    if (index % 1_000 == 0)
                    {
                        log.sync();
                    }
                }
                log.sync();
                final long elapsed = System.nanoTime() - start;
                out.printf("appended %,d entries in %,d ms (with an fsync every 1,000); %d segment files%n",
                    entries, elapsed / 1_000_000, log.segmentCount());
                final LogEntryView middle = log.entry(entries / 2);
                out.printf("entry %d: term %d, payload \"%s\"%n", middle.index(), middle.term(),
                    middle.payload().getStringWithoutLengthAscii(0, middle.payloadLength()));

                final long conflict = entries - 10;
                log.truncateFrom(conflict);
                out.printf("a new leader disagrees from %d: truncated, last index now %d%n", conflict, log.lastIndex());
                final long compactTo = entries * 3L / 4;
                log.compactTo(compactTo);
                out.printf("snapshot taken at %d: compacted, first index now %d, %d segment files%n", compactTo,
                    log.firstIndex(), log.segmentCount());
                try
                {
                    log.entry(compactTo);
                }
                catch (final LogException expected)
                {
                    out.printf("reading compacted entry %d is refused: %s%n", compactTo, expected.getMessage());
                }
            }
            out.println("restarting: the log is rebuilt from its segments");
            try (ChronicleRaftLog log = ChronicleRaftLog.open(new ChronicleRaftLog.Context()
                .directory(directory)
                .segmentLength(2 * 1024 * 1024)))
            {
                describe(log);
            }
        }
        finally
        {
            IoUtil.delete(directory.toFile(), false);
        }
    }

    private void describe(final ChronicleRaftLog log)
    {
        out.printf("entries %d..%d (base term %d, last term %d), %d segment files, %d torn records discarded%n",
            log.firstIndex(), log.lastIndex(), log.termAt(log.firstIndex() - 1), log.lastTerm(), log.segmentCount(),
            log.discardedTailRecords());
        out.printf("current term %d, voted for %s%n", log.currentTerm(),
            log.votedFor() == RaftLog.NO_VOTE ? "nobody" : Integer.toString(log.votedFor()));
        if (log.lastIndex() >= log.firstIndex())
        {
            final LogEntryView last = log.entry(log.lastIndex());
            final byte[] bytes = new byte[Math.min(64, last.payloadLength())];
            last.payload().getBytes(0, bytes);
            out.printf("last entry %d: term %d, %s, service %d, session %d, sequence %d, %d payload bytes: %s%n",
                last.index(), last.term(), last.entryType(), last.serviceId(), last.sessionId(),
                last.requestSequence(), last.payloadLength(), new String(bytes, StandardCharsets.US_ASCII));
        }
    }
}
