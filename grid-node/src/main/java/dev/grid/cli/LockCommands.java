package dev.grid.cli;

import dev.grid.client.GridClient;
import dev.grid.client.GridLocks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code grid lock|unlock NAME}. A lock belongs to a client session, and each run of the command line has its own
 * session, closed when the command exits, which releases everything it held. So {@code lock} takes the lock, prints
 * its fencing token, holds it for {@code --hold} (while the command runs), releases it and says so; {@code unlock}
 * cannot release another session's lock (the grid refuses that by design) and tells whether the lock is free.
 */
final class LockCommands
{
    private LockCommands()
    {
    }

    /**
     * What both lock commands take: the cluster and a lock name.
     */
    abstract static class LockNameCommand implements Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Mixin
        ClientOptions cluster;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;
    }

    @Command(name = "lock", mixinStandardHelpOptions = true,
        description = {
            "Takes the fenced lock NAME, prints its fencing token, holds it for --hold, then releases it.",
            "The lock belongs to this command's session: it is released when the command exits (also on Ctrl-C), " +
                "so the printed token is current only while the command runs."})
    static final class Lock extends LockNameCommand
    {
        @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "10s",
            description = "how long to wait in the lock's queue; 0 = only if free now (default: ${DEFAULT-VALUE})")
        String waitFor;

        @Option(names = "--hold", paramLabel = "DURATION", defaultValue = "0s",
            description = "how long to hold the lock before releasing it (default: ${DEFAULT-VALUE})")
        String holdFor;

        public Integer call() throws InterruptedException
        {
            final long waitNs = ClusterOptions.duration("--wait", waitFor);
            final long holdNs = ClusterOptions.duration("--hold", holdFor);
            final PrintWriter out = spec.commandLine().getOut();
            try (GridClient client = cluster.connect())
            {
                final GridLocks locks = client.locks();
                final long token = locks.tryLock(name, waitNs, TimeUnit.NANOSECONDS);
                if (0 == token)
                {
                    spec.commandLine().getErr().println(spec.qualifiedName() + ": " + name +
                        " was not granted within " + waitFor + " (held by another session)");
                    return GridCli.NO;
                }
                out.println(name + " token=" + token);
                out.flush();
                if (holdNs > 0)
                {
                    out.println("holding " + name + " for " + holdFor + " (Ctrl-C releases it sooner)");
                    out.flush();
                    holdUntilDoneOrInterrupted(holdNs);
                }
                locks.unlock(name, token);
                out.println("released " + name + " token=" + token);
                return GridCli.OK;
            }
        }

        /**
         * Sleeps for the hold; a SIGINT or SIGTERM meanwhile ends the sleep early, and the shutdown waits until the
         * lock is released and the session closed, so the next holder need not wait for the session to expire.
         */
        private static void holdUntilDoneOrInterrupted(final long holdNs) throws InterruptedException
        {
            final Thread holder = Thread.currentThread();
            final Thread releaseOnExit = new Thread(() ->
            {
                holder.interrupt();
                try
                {
                    holder.join(TimeUnit.SECONDS.toMillis(5));
                }
                catch (final InterruptedException ignore)
                {
                    Thread.currentThread().interrupt();
                }
            }, "grid-lock-release");
            Runtime.getRuntime().addShutdownHook(releaseOnExit);
            try
            {
                TimeUnit.NANOSECONDS.sleep(holdNs);
            }
            catch (final InterruptedException ignore)
            {
                // Interrupted by the shutdown hook: release now.
            }
            try
            {
                Runtime.getRuntime().removeShutdownHook(releaseOnExit);
            }
            catch (final IllegalStateException shuttingDown)
            {
                // The JVM is shutting down; the hook waits for this thread to release the lock.
            }
        }
    }

    @Command(name = "unlock", mixinStandardHelpOptions = true,
        description = {
            "Tells whether the lock NAME is free, or which token holds it.",
            "Only the holder's session can release a lock, and a lock taken by grid lock is released when that " +
                "command ends; a lock whose holder died is released when its session expires " +
                "(grid.raft.session.timeout). Exit code 1 if the lock is held."})
    static final class Unlock extends LockNameCommand
    {
        public Integer call()
        {
            try (GridClient client = cluster.connect())
            {
                final long token = client.locks().currentToken(name);
                if (0 == token)
                {
                    spec.commandLine().getOut().println(name + " is free");
                    return GridCli.OK;
                }
                spec.commandLine().getErr().println(spec.qualifiedName() + ": " + name + " is held with token=" +
                    token + " by another session; only its holder releases it (a grid lock command releases on " +
                    "exit), or the grid does when the holder's session expires");
                return GridCli.NO;
            }
        }
    }
}
