package dev.grid.transport;

import dev.grid.core.IdleStrategies;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * An Aeron media driver inside the grid's process, tuned for small machines: one shared thread for conductor,
 * sender and receiver, backing off when idle (busy-spin only when asked, for isolated cores), sparse term files, and
 * its directory deleted on start and on close. Several nodes in one process share one driver (IPC only works within
 * a driver); separate processes each embed their own, or all use an external driver.
 * <p>
 * A driver that serves one node (or one client) alone runs better without a thread of its own ({@link #launchInvoked}):
 * the node's agent thread runs the driver's duty cycle in its own ({@link #invoker()}), so a message that arrives is
 * read, handled and answered by one thread, with no hand-over between two threads that each may be parked.
 */
public final class EmbeddedDriver implements AutoCloseable
{
    private final MediaDriver driver;
    private final AgentInvoker invoker;

    private EmbeddedDriver(final MediaDriver driver)
    {
        this.driver = driver;
        invoker = driver.sharedAgentInvoker();
    }

    /**
     * @param aeronDirectoryName where the driver keeps its files (under /dev/shm on Linux by default).
     * @param busySpin           spin instead of backing off: lowest latency, one core burned.
     * @return the running driver.
     */
    public static EmbeddedDriver launch(final String aeronDirectoryName, final boolean busySpin)
    {
        return new EmbeddedDriver(MediaDriver.launch(context(aeronDirectoryName, busySpin)));
    }

    /**
     * The driver a transport embeds, as its context says: none, one with its own thread, or an invoked one.
     *
     * @return the driver, or null if the transport uses a running driver.
     */
    static EmbeddedDriver launchFor(final AeronTransport.Context ctx)
    {
        if (!ctx.embeddedDriver())
        {
            return null;
        }
        return ctx.invokedDriver() ? launchInvoked(ctx.aeronDirectoryName()) :
            launch(ctx.aeronDirectoryName(), ctx.busySpin());
    }

    /**
     * A driver without a thread: its owner runs its duty cycle with {@link #invoker()}, from one thread at a time
     * (and passes the invoker to its Aeron client, which runs it while it waits for the driver's answers).
     *
     * @param aeronDirectoryName where the driver keeps its files.
     * @return the driver, idle until invoked.
     */
    public static EmbeddedDriver launchInvoked(final String aeronDirectoryName)
    {
        return new EmbeddedDriver(MediaDriver.launch(context(aeronDirectoryName, false)
            .threadingMode(ThreadingMode.INVOKER)));
    }

    /**
     * The settings of the grid's embedded driver, for a driver launched another way (the end-to-end benchmark gives
     * Aeron Cluster's members the same driver settings as the grid's nodes).
     *
     * @param aeronDirectoryName where the driver keeps its files.
     * @param busySpin           spin instead of backing off.
     * @return a new, unconcluded driver context.
     */
    public static MediaDriver.Context context(final String aeronDirectoryName, final boolean busySpin)
    {
        final IdleStrategy idle = IdleStrategies.named(busySpin ? "busy-spin" : "backoff");
        return new MediaDriver.Context()
            .aeronDirectoryName(aeronDirectoryName)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(idle)
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            // A node paused by a loaded 2-core machine (GC, a starved thread) must not be declared dead by its
            // driver before Raft's own timeouts decide.
            .clientLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(10))
            .imageLivenessTimeoutNs(TimeUnit.SECONDS.toNanos(10))
            .publicationConnectionTimeoutNs(TimeUnit.SECONDS.toNanos(10));
    }

    /**
     * @return the driver's duty cycle for its owner to run, or null if the driver has a thread of its own.
     */
    public AgentInvoker invoker()
    {
        return invoker;
    }

    public String aeronDirectoryName()
    {
        return driver.aeronDirectoryName();
    }

    public void close()
    {
        driver.close();
    }
}
