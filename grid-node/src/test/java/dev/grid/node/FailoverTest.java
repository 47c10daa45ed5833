package dev.grid.node;

import dev.grid.bench.NumberedKeys;
import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridClientException;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real failover: three node processes on loopback UDP at default timeouts, a leader killed with SIGKILL under load,
 * a lock holder's process killed while another client waits for its lock.
 */
class FailoverTest
{
    private static final NumberedKeys NUMBERED = new NumberedKeys("key", 10_000, 0);
    private static final long ANSWER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    private static final String LOCK = "orders";
    private static final UnsafeBuffer COUNTER = new UnsafeBuffer("exactly-once".getBytes(StandardCharsets.US_ASCII));

    @TempDir
    Path dir;

    @Test
    void leaderKilledUnderLoadLosesNoAcknowledgedWriteAndAppliesRetriesOnce() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3, dir); GridClient client = cluster.client())
        {
            final GridCache cache = client.cache("default");
            assertThat(NUMBERED.putAll(cache, ANSWER_TIMEOUT_NS)).as("failed puts").isZero();

            // A client process takes the lock; this client queues behind it; then the holder's process dies.
            final ProcessCluster.ChildProcess holder = cluster.startJava("lock-holder", LockHolderMain.class, LOCK);
            final long holderToken = Long.parseLong(
                holder.awaitLine(LockHolderMain.TOKEN_LINE_PREFIX).substring(LockHolderMain.TOKEN_LINE_PREFIX.length()));
            final CompletableFuture<Long> waiterToken = CompletableFuture.supplyAsync(() -> client.locks().lock(LOCK));
            ProcessCluster.sleep(200);
            assertThat(waiterToken).as("granted while the holder lives").isNotDone();
            holder.kill();
            final long holderKilledNs = System.nanoTime();

            // Increments from four threads while the leader is killed: each acknowledged one counted exactly once.
            final int oldLeader = cluster.leader(client);
            assertThat(oldLeader).isNotNegative();
            final AtomicBoolean incrementing = new AtomicBoolean(true);
            final AtomicLong acknowledged = new AtomicLong();
            final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            final List<Thread> incrementers = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final Thread thread = new Thread(() ->
                {
                    try
                    {
                        while (incrementing.get())
                        {
                            cache.increment(COUNTER, 0, COUNTER.capacity(), 1);
                            acknowledged.incrementAndGet();
                        }
                    }
                    catch (final Throwable ex)
                    {
                        errors.add(ex);
                    }
                });
                thread.start();
                incrementers.add(thread);
            }
            ProcessCluster.sleep(300);
            final long resendsBefore = client.resends();
            cluster.nodes[oldLeader].kill();
            final long leaderKilledNs = System.nanoTime();
            cache.put("after-failover", "served");
            final long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - leaderKilledNs);
            final int newLeader = cluster.leader(client);
            System.out.println("FAILOVER new leader " + newLeader + " serving " + failoverMs + " ms after kill -9 of " +
                oldLeader);
            assertThat(newLeader).isNotNegative().isNotEqualTo(oldLeader);
            assertThat(failoverMs).as("ms from kill -9 of the leader to an acknowledged put").isLessThan(2_000);

            ProcessCluster.sleep(300);
            incrementing.set(false);
            for (final Thread thread : incrementers)
            {
                thread.join(30_000);
            }
            assertThat(errors).isEmpty();
            assertThat(client.resends()).as("requests resent across the failover").isGreaterThan(resendsBefore);
            assertThat(cache.increment(COUNTER, 0, COUNTER.capacity(), 0))
                .as("counter after retries across the failover").isEqualTo(acknowledged.get());

            assertThat(NUMBERED.missingOrWrong(cache, ReadConsistency.LINEARIZABLE, ANSWER_TIMEOUT_NS))
                .as("acknowledged keys missing or wrong after failover").isZero();

            // The killed leader comes back from its data directory and catches up to the same state.
            cluster.startNode(oldLeader).awaitLine(GridNodeMain.READY_LINE_PREFIX);
            assertSameStateEverywhere(cluster, client);
            assertThat(cache.get("after-failover", ReadConsistency.LINEARIZABLE)).isEqualTo("served");

            // The dead holder's session expires (10 s of log time): the waiter gets the lock with a larger token,
            // and the dead holder's token no longer passes the fence.
            final long grantedToken = waiterToken.get(60, TimeUnit.SECONDS);
            final long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - holderKilledNs);
            System.out.println("LOCK handed over " + waitedMs + " ms after the holder was killed: token " +
                holderToken + " -> " + grantedToken);
            assertThat(grantedToken).isGreaterThan(holderToken);
            assertThat(waitedMs).as("not before the session timeout").isGreaterThanOrEqualTo(9_000);
            assertThat(client.locks().currentToken(LOCK)).isEqualTo(grantedToken);
            assertThatThrownBy(() -> cache.putFenced("fenced", "stale", LOCK, holderToken))
                .isInstanceOfSatisfying(GridClientException.class,
                    ex -> assertThat(ex.status()).isEqualTo(Status.FENCED));
            assertThat(cache.putFenced("fenced", "current", LOCK, grantedToken)).isPositive();
        }
    }

    private static void assertSameStateEverywhere(final ProcessCluster cluster, final GridClient client)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String last = "";
        while (System.nanoTime() < deadline)
        {
            final long[] applied = new long[cluster.nodes.length];
            final long[] checksums = new long[cluster.nodes.length];
            try
            {
                for (int i = 0; i < cluster.nodes.length; i++)
                {
                    final int member = i;
                    client.nodeStatus(member, status ->
                    {
                        applied[member] = status.appliedIndex();
                        checksums[member] = status.stateChecksum();
                    });
                }
            }
            catch (final GridClientException.GridTimeoutException ex)
            {
                ProcessCluster.sleep(100);
                continue;
            }
            last = "applied " + Arrays.toString(applied) + " checksums " + Arrays.toString(checksums);
            if (Arrays.stream(applied).distinct().count() == 1 && Arrays.stream(checksums).distinct().count() == 1)
            {
                System.out.println("CAUGHT UP " + last);
                return;
            }
            ProcessCluster.sleep(100);
        }
        throw new AssertionError("members did not converge within 30 s: " + last);
    }
}
