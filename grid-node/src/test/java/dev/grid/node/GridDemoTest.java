package dev.grid.node;

import dev.grid.core.JvmFlags;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's main command as a newcomer runs it: the demo's own JVM, its exit code and what it shows.
 */
class GridDemoTest
{
    @Test
    void demoShowsTheClusterWorkingAndExitsCleanly() throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.required());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GridDemo.class.getName());
        final Process demo = new ProcessBuilder(command).redirectErrorStream(true).start();
        final byte[] output = demo.getInputStream().readAllBytes();
        assertThat(demo.waitFor(120, TimeUnit.SECONDS)).isTrue();
        final String text = new String(output, StandardCharsets.UTF_8);
        assertThat(demo.exitValue()).as(text).isZero();
        assertThat(text)
            .contains("0 failed")
            .contains("get key-42 (linearizable) = value-42, (local replica) = value-42")
            .contains("is refused: FENCED")
            .containsPattern("new leader: member \\d, serving [\\d,]+ ms after the stop")
            .contains("10,000 of 10,000 acknowledged keys present after the failover")
            .contains("stopped everything");
    }
}
