package dev.grid.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The Linux timer slack of the calling thread: how late the kernel may fire the thread's timers so that it can
 * batch wake-ups. The default is 50 us, so every {@code parkNanos} of a back-off idle strategy sleeps at least
 * that long past its deadline, which puts about 50 us on every hand-off between threads that wait by parking
 * (measured here: a 1 us park takes 95 us at p50 with the default slack, 29 us with 1 us of slack).
 * <p>
 * A thread may change its own slack without privileges, through {@code /proc/<tid>/timerslack_ns}; a thread's
 * threads inherit it when it starts them. Not Linux, or no such file: nothing changes and the calls answer false.
 */
public final class TimerSlack
{
    private static final Path THREAD_SELF = Paths.get("/proc/thread-self");

    private TimerSlack()
    {
    }

    /**
     * Sets the calling thread's timer slack. Allocates; call it once per thread, e.g. when an agent starts.
     *
     * @param slackNs the slack in nanoseconds, at least 1 (0 would restore the thread's default).
     * @return true if the slack is now {@code slackNs}, false if this system cannot change it.
     */
    public static boolean applyToCurrentThread(final long slackNs)
    {
        if (slackNs < 1)
        {
            throw new IllegalArgumentException("timer slack must be at least 1 ns: " + slackNs);
        }
        final Path file = currentThreadFile();
        if (null == file)
        {
            return false;
        }
        try
        {
            Files.write(file, Long.toString(slackNs).getBytes(StandardCharsets.US_ASCII));
            return slackNs == read(file);
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * @return the calling thread's timer slack in nanoseconds, or -1 if this system does not tell.
     */
    public static long currentThreadSlackNs()
    {
        final Path file = currentThreadFile();
        if (null == file)
        {
            return -1;
        }
        try
        {
            return read(file);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    private static Path currentThreadFile()
    {
        try
        {
            // "/proc/thread-self" links to "<pid>/task/<tid>"; the task directory has no timerslack_ns but
            // /proc/<tid> is the same thread and has.
            final Path link = Files.readSymbolicLink(THREAD_SELF);
            return Paths.get("/proc", link.getFileName().toString(), "timerslack_ns");
        }
        catch (final IOException | UnsupportedOperationException | SecurityException ex)
        {
            return null;
        }
    }

    private static long read(final Path file) throws IOException
    {
        return Long.parseLong(new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim());
    }
}
