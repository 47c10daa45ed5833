package dev.grid.log;

import dev.grid.core.JvmFlags;
import dev.grid.core.LogEntryView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * kill -9 of a process appending in a loop, several times over the same log: every entry up to the last one the
 * process reported synced is intact, the tail is consistent (contiguous, every entry exactly what was written), and
 * the log accepts appends again.
 */
class LogCrashRecoveryTest
{
    @TempDir
    Path dir;

    @Test
    void everySyncedEntrySurvivesKillNine() throws Exception
    {
        final Random random = new Random(42);
        long previousLast = 0;
        for (int round = 0; round < 4; round++)
        {
            final Process child = start(dir, 1 + random.nextInt(50));
            final LinkedBlockingQueue<String> lines = pump(child);
            long lastSynced = -1;
            final int syncsToSee = 3 + random.nextInt(30);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int seen = 0;
            final List<String> otherOutput = new ArrayList<>();
            while (seen < syncsToSee)
            {
                final String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (null == line)
                {
                    child.destroyForcibly();
                    fail("round " + round + ": child did not report " + syncsToSee + " syncs in time; last synced " +
                        lastSynced + "; its other output:\n" + String.join("\n", otherOutput));
                }
                if (line.startsWith("opened "))
                {
                    assertThat(Long.parseLong(line.substring(7))).as("reopened where the last check left it")
                        .isEqualTo(previousLast);
                }
                else if (line.startsWith("synced "))
                {
                    lastSynced = Long.parseLong(line.substring(7));
                    seen++;
                }
                else if (otherOutput.size() < 50)
                {
                    otherOutput.add(line);
                }
            }
            Thread.sleep(random.nextInt(30));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
            for (String line; (line = lines.poll()) != null; )
            {
                if (line.startsWith("synced "))
                {
                    lastSynced = Long.parseLong(line.substring(7));
                }
            }

            try (ChronicleRaftLog log = ChronicleRaftLog.open(LogAppenderProcess.context(dir.toString())))
            {
                assertThat(log.lastIndex()).as("round %d keeps every synced entry", round)
                    .isGreaterThanOrEqualTo(lastSynced);
                assertThat(log.discardedTailRecords()).isLessThanOrEqualTo(1);
                for (long index = log.firstIndex(); index <= log.lastIndex(); index++)
                {
                    assertIntact(log.entry(index), index);
                    assertThat(log.termAt(index)).isEqualTo(LogAppenderProcess.termOf(index));
                }
                previousLast = log.lastIndex();
            }
        }
        assertThat(previousLast).as("the child made progress across rounds").isGreaterThan(100);
    }

    private static void assertIntact(final LogEntryView entry, final long index)
    {
        assertThat(entry.index()).isEqualTo(index);
        assertThat(entry.term()).isEqualTo(LogAppenderProcess.termOf(index));
        assertThat(entry.timestamp()).isEqualTo(index);
        assertThat(entry.requestSequence()).isEqualTo(index);
        final int length = LogAppenderProcess.payloadLength(index);
        assertThat(entry.payloadLength()).as("payload length of %d", index).isEqualTo(length);
        for (int i = 0; i < length; i++)
        {
            if (entry.payload().getByte(i) != LogAppenderProcess.payloadByte(index, i))
            {
                fail("entry " + index + " payload differs at byte " + i);
            }
        }
    }

    private static Process start(final Path directory, final int syncEvery) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.required());
        command.add("-Xmx128m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LogAppenderProcess.class.getName());
        command.add(directory.toString());
        command.add(Integer.toString(syncEvery));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static LinkedBlockingQueue<String> pump(final Process process)
    {
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                for (String line; (line = reader.readLine()) != null; )
                {
                    lines.add(line);
                }
            }
            catch (final Exception ignore)
            {
                // The process was killed: its output ends here.
            }
        }, "child-output");
        pump.setDaemon(true);
        pump.start();
        return lines;
    }
}
