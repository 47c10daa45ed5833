package dev.grid.cli;

import dev.grid.core.JvmFlags;
import io.aeron.CommonContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's main command as a newcomer runs it: the demo in its own JVM (which starts three node JVMs), its exit
 * code, every step's line, and nothing left behind: no process the demo started, no data or driver directory.
 */
class GridDemoTest
{
    private static final Pattern MEMBER_PID = Pattern.compile("member (\\d): pid (\\d+)");
    private static final Pattern DATA_DIRECTORY = Pattern.compile("on loopback UDP, data in (\\S+)");

    @TempDir
    Path dir;

    private DemoProcess demo;

    @AfterEach
    void killWhatIsLeft()
    {
        if (null != demo)
        {
            demo.killEverything();
        }
    }

    @Test
    void demoShowsEveryStepAndLeavesNothingBehind() throws Exception
    {
        demo = new DemoProcess("demo");
        assertThat(demo.waitFor(150)).as("demo ended within 150 s").isTrue();
        final String text = demo.output();
        assertThat(demo.exitCode()).as(text).isZero();
        assertThat(text)
            .containsPattern("grid demo: 3 node processes \\(separate JVMs\\) on loopback UDP, data in ")
            .containsPattern("member 0: pid \\d+, peer localhost:\\d+, client localhost:\\d+")
            .containsPattern("member 2: pid \\d+")
            .containsPattern("leader: member \\d \\(pid \\d+\\), elected [\\d,]+ ms after the start")
            .containsPattern("put 10,000 keys in [\\d,]+ ms \\(pipelined, [\\d,]+ puts/s.*\\): 0 failed")
            .contains("read them back (linearizable, pipelined): 10,000 of 10,000 hold their value")
            .contains("get key-4999: value-4999 (linearizable, through the leader), value-4999 (local")
            .containsPattern("round trips, 1,000 each at 1,000/s: put p50 [\\d,]+ us, get p50 [\\d,]+ us")
            .containsPattern("lock \"orders\": token (\\d+); a put fenced with it is accepted; released")
            .containsPattern("lock \"orders\" again: token \\d+; a put fenced with the old token \\d+ is refused: " +
                "FENCED")
            .containsPattern("kill -9 of the leader, member \\d \\(pid \\d+\\)")
            .containsPattern("new leader: member \\d, serving [\\d,]+ ms after the kill")
            .contains("every acknowledged write is there: 11,001 of 11,001")
            .containsPattern("  put +[\\d,]+ +[\\d,]+ +[\\d,]+ +[\\d,]+ +[\\d,]+ +1,000\n")
            .containsPattern("  get +[\\d,]+ +[\\d,]+ +[\\d,]+ +[\\d,]+ +[\\d,]+ +1,000\n")
            .containsPattern("failover gap: [\\d,]+ ms from kill -9 of the leader")
            .containsPattern("stopped member \\d \\(pid \\d+, SIG[^)]+\\), member \\d \\(pid \\d+, SIG[^)]+\\); removed ")
            .containsPattern("demo done after [\\d.]+ s");
        final Matcher killed = Pattern.compile("kill -9 of the leader, member (\\d)").matcher(text);
        assertThat(killed.find()).isTrue();
        assertThat(text).doesNotContain("new leader: member " + killed.group(1));
        demo.assertNothingLeftBehind();
    }

    @Test
    void interruptedDemoStopsEveryNodeAndRemovesItsDirectory() throws Exception
    {
        final Path data = dir.resolve("data");
        demo = new DemoProcess("demo", "--dir", data.toString());
        demo.awaitOutput("client: session", 90);
        // SIGTERM through the handle: Process.destroy() would also close the output stream the test reads.
        assertThat(demo.process.toHandle().destroy()).isTrue();
        assertThat(demo.waitFor(60)).as("demo ended within 60 s of SIGTERM").isTrue();
        final String text = demo.output();
        assertThat(demo.exitCode()).as(text).isNotZero();
        assertThat(text)
            .contains("interrupted: stopping everything the demo started")
            .containsPattern("stopped member 0 \\(pid \\d+, SIG[^)]+\\), member 1 \\(pid \\d+, SIG[^)]+\\), member 2 " +
                "\\(pid \\d+, SIG[^)]+\\); removed " + Pattern.quote(data.toString()));
        assertThat(data).doesNotExist();
        demo.assertNothingLeftBehind();
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingStarts()
    {
        final GridCliTest.Result keys = GridCliTest.run("demo", "--keys", "0");
        assertThat(keys.exitCode()).isEqualTo(GridCli.USAGE);
        assertThat(keys.err()).contains("--keys must be 1 to 1,000,000, not 0");

        final GridCliTest.Result notEmpty = GridCliTest.run("demo", "--dir", dir.getParent().toString());
        assertThat(notEmpty.exitCode()).isEqualTo(GridCli.USAGE);
        assertThat(notEmpty.err()).contains("is not a new or empty directory");
        assertThat(dir).exists();
    }

    /**
     * {@code grid demo} in a JVM of its own, its output read as it comes and its child processes noted while it runs
     * (once it exits, its children would be re-parented and no longer found as its descendants).
     */
    private static final class DemoProcess
    {
        final Process process;
        private final StringBuffer output = new StringBuffer();
        private final Set<ProcessHandle> descendants = ConcurrentHashMap.newKeySet();
        private final Thread reader;

        DemoProcess(final String... args) throws IOException
        {
            final List<String> command = new ArrayList<>();
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JvmFlags.required());
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(GridCli.class.getName());
            command.addAll(List.of(args));
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            reader = new Thread(this::readOutput, "demo-output");
            reader.setDaemon(true);
            reader.start();
        }

        private void readOutput()
        {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = lines.readLine()))
                {
                    output.append(line).append('\n');
                    noteDescendants();
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }

        private void noteDescendants()
        {
            process.descendants().forEach(descendants::add);
        }

        void awaitOutput(final String text, final int seconds) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!output.toString().contains(text))
            {
                assertThat(process.isAlive()).as("demo ended before '" + text + "':\n" + output).isTrue();
                assertThat(System.nanoTime()).as("'" + text + "' within " + seconds + " s:\n" + output)
                    .isLessThan(deadline);
                noteDescendants();
                Thread.sleep(50);
            }
        }

        boolean waitFor(final int seconds) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (process.isAlive() && System.nanoTime() < deadline)
            {
                noteDescendants();
                Thread.sleep(100);
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            return !process.isAlive();
        }

        int exitCode()
        {
            return process.exitValue();
        }

        String output()
        {
            return output.toString();
        }

        /**
         * Every process the demo started (seen while it ran, or named in its output) has ended; its data directory
         * and its nodes' media driver directories are gone.
         */
        void assertNothingLeftBehind()
        {
            final String text = output();
            final Matcher pids = MEMBER_PID.matcher(text);
            int named = 0;
            while (pids.find())
            {
                named++;
                final long pid = Long.parseLong(pids.group(2));
                assertThat(descendants.stream().anyMatch(handle -> handle.pid() == pid))
                    .as("member pid %d seen as the demo's child", pid).isTrue();
            }
            assertThat(named).as("member pids in the output").isGreaterThanOrEqualTo(3);
            assertThat(descendants).as("child processes seen").isNotEmpty();
            for (final ProcessHandle child : descendants)
            {
                assertThat(child.isAlive()).as("pid %d, started by the demo, still runs", child.pid()).isFalse();
            }
            final Matcher data = DATA_DIRECTORY.matcher(text);
            assertThat(data.find()).as(text).isTrue();
            assertThat(Paths.get(data.group(1))).doesNotExist();
            final File aeronParent = new File(CommonContext.getAeronDirectoryName()).getParentFile();
            final String demoDriverSuffix = "-" + process.pid() + "-";
            final String[] left = aeronParent.list((parent, name) -> name.contains("-grid-") &&
                name.contains(demoDriverSuffix));
            assertThat(left).as("media driver directories the demo's nodes left in " + aeronParent).isEmpty();
        }

        void killEverything()
        {
            descendants.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
