package dev.grid.node;

import dev.grid.cache.CacheReader;
import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridClientException;
import dev.grid.client.GridLocks;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GridClusterTest
{
    @TempDir
    Path dir;

    @Test
    void cachesAndLocksWorkThroughTheCluster()
    {
        try (LocalCluster cluster = new LocalCluster(3, dir); GridClient client = cluster.client())
        {
            final GridCache cache = client.cache("default");
            final long version = cache.put("greeting", "hello");
            assertThat(version).isPositive();
            assertThat(cache.get("greeting", ReadConsistency.LINEARIZABLE)).isEqualTo("hello");
            assertThat(cache.get("missing", ReadConsistency.LINEARIZABLE)).isNull();
            assertThat(cache.get("greeting", ReadConsistency.LOCAL)).isEqualTo("hello");
            assertThat(cache.remove("greeting")).isTrue();
            assertThat(cache.remove("greeting")).isFalse();

            final GridLocks locks = client.locks();
            final long token = locks.lock("orders");
            assertThat(token).isPositive();
            assertThat(locks.currentToken("orders")).isEqualTo(token);
            assertThat(cache.putFenced("k", "v", "orders", token)).isPositive();
            assertThatThrownBy(() -> cache.putFenced("k", "w", "orders", token - 1))
                .isInstanceOfSatisfying(GridClientException.class,
                    ex -> assertThat(ex.status()).isEqualTo(Status.FENCED));
            locks.unlock("orders", token);
            assertThat(locks.currentToken("orders")).isZero();
            assertThat(locks.tryLock("orders", 0, TimeUnit.SECONDS)).isGreaterThan(token);
        }
    }

    @Test
    void anEmbeddingApplicationReadsEachReplicasCacheLocally()
    {
        try (LocalCluster cluster = new LocalCluster(3, dir); GridClient client = cluster.client())
        {
            final long version = client.cache("default").put("greeting", "hello");
            final UnsafeBuffer key = new UnsafeBuffer("greeting".getBytes(StandardCharsets.US_ASCII));
            final UnsafeBuffer missing = new UnsafeBuffer("missing".getBytes(StandardCharsets.US_ASCII));
            final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
            for (final GridNode node : cluster.nodes)
            {
                final CacheReader reader = node.newCacheReader("default");
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                int length;
                while ((length = reader.get(key, 0, key.capacity(), value, 0)) == CacheReader.MISS &&
                    System.nanoTime() < deadline)
                {
                    Thread.onSpinWait();
                }
                assertThat(length).as("member %d", node.memberId()).isEqualTo(5);
                assertThat(value.getStringWithoutLengthAscii(0, length)).isEqualTo("hello");
                assertThat(reader.lastVersion()).isEqualTo(version);
                assertThat(reader.get(missing, 0, missing.capacity(), value, 0)).isEqualTo(CacheReader.MISS);
            }
            assertThatThrownBy(() -> cluster.nodes[0].newCacheReader("nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no cache named 'nope'");
        }
    }

    @Test
    void clientFollowsTheNewLeaderWhenTheLeaderStops()
    {
        try (LocalCluster cluster = new LocalCluster(3, dir); GridClient client = cluster.client())
        {
            final GridCache cache = client.cache("default");
            cache.put("before", "1");
            final int leader = client.leaderMemberId();
            cluster.stop(leader);
            cache.put("after", "2");
            assertThat(client.leaderMemberId()).isNotEqualTo(leader);
            assertThat(cache.get("before", ReadConsistency.LINEARIZABLE)).isEqualTo("1");
        }
    }

    @Test
    void snapshotsWrittenInTheBackgroundLetARestartedNodeRecoverEverything() throws Exception
    {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (LocalCluster cluster = new LocalCluster(3, dir, ctx -> ctx.errorHandler(errors::add)
            .raft().snapshotThresholdEntries(150).snapshotRetainEntries(10));
            GridClient client = cluster.client())
        {
            assertThat(cluster.nodes[0].context().snapshotInBackground()).as("the default").isTrue();
            final GridCache cache = client.cache("default");
            for (int i = 0; i < 500; i++)
            {
                cache.put("key-" + i, "value-" + i);
            }
            final int follower = (client.leaderMemberId() + 1) % 3;
            final Path snapshot = dir.resolve("node-" + follower).resolve("snapshots").resolve("snapshot.dat");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(snapshot) && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertThat(snapshot).exists();

            cluster.stop(follower);
            cache.put("while-down", "x");
            final CacheReader reader = cluster.start(follower).newCacheReader("default");
            final UnsafeBuffer value = new UnsafeBuffer(new byte[64]);
            for (int i = 0; i < 500; i++)
            {
                final UnsafeBuffer key = new UnsafeBuffer(("key-" + i).getBytes(StandardCharsets.US_ASCII));
                int length;
                while ((length = reader.get(key, 0, key.capacity(), value, 0)) == CacheReader.MISS &&
                    System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(10))
                {
                    Thread.onSpinWait();
                }
                assertThat(length).as("key-%d on the restarted member", i).isPositive();
                assertThat(value.getStringWithoutLengthAscii(0, length)).isEqualTo("value-" + i);
            }
            assertThat(cache.get("while-down", ReadConsistency.LINEARIZABLE)).isEqualTo("x");
        }
        assertThat(errors).isEmpty();
    }

    @Test
    void aQueuedLockDoesNotHoldUpTheCommandsBehindIt() throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(3, dir);
            GridClient holder = cluster.client();
            GridClient waiter = cluster.client())
        {
            final long holderToken = holder.locks().lock("queue");
            final CompletableFuture<Long> queued = CompletableFuture.supplyAsync(() -> waiter.locks().lock("queue"));
            final GridCache cache = waiter.cache("default");
            for (int i = 0; i < 5 * waiter.context().maxOutstandingCommands(); i++)
            {
                assertThat(cache.put("key-" + i, "value-" + i)).isPositive();
            }
            assertThat(queued).isNotDone();
            holder.locks().unlock("queue", holderToken);
            assertThat(queued.get(10, TimeUnit.SECONDS)).isGreaterThan(holderToken);
            assertThat(cache.get("key-0", ReadConsistency.LINEARIZABLE)).isEqualTo("value-0");
        }
    }

    @Test
    void refusalsAreClearExceptionsAndChangeNothing()
    {
        try (LocalCluster cluster = new LocalCluster(3, dir); GridClient client = cluster.client())
        {
            final GridCache cache = client.cache("default");
            cache.put("kept", "original");
            final byte[] oversized = new byte[cluster.nodes[0].context().caches().get(0).maxValueLength() + 1];
            assertThatThrownBy(() -> cache.put("kept".getBytes(StandardCharsets.US_ASCII), oversized))
                .isInstanceOf(GridClientException.ValueTooLargeException.class);
            assertThat(cache.get("kept", ReadConsistency.LINEARIZABLE)).isEqualTo("original");
            assertThatThrownBy(() -> client.cache("no-such-cache"))
                .isInstanceOf(GridClientException.BadArgumentException.class)
                .hasMessageContaining("no-such-cache");

            final GridLocks locks = client.locks();
            final long token = locks.lock("held");
            try (GridClient other = cluster.client())
            {
                assertThatThrownBy(() -> other.locks().unlock("held", token))
                    .isInstanceOfSatisfying(GridClientException.class,
                        ex -> assertThat(ex.status()).isIn(Status.NOT_HOLDER, Status.OWNERSHIP_LOST));
                assertThat(other.locks().tryLock("held", 0, TimeUnit.SECONDS)).isZero();
            }
            assertThat(locks.currentToken("held")).isEqualTo(token);
        }
    }

    @Test
    void aHolderWhoseSessionExpiredLearnsItLostTheLock()
    {
        final long sessionTimeoutNs = TimeUnit.SECONDS.toNanos(2);
        try (LocalCluster cluster = new LocalCluster(3, dir, ctx -> ctx.raft().sessionTimeoutNs(sessionTimeoutNs));
            GridClient silent = GridClient.connect(new GridClient.Context()
                .transport(cluster.transport())
                .keepAliveIntervalNs(TimeUnit.HOURS.toNanos(1)));
            GridClient waiter = GridClient.connect(new GridClient.Context()
                .transport(cluster.transport())
                .keepAliveIntervalNs(sessionTimeoutNs / 10)))
        {
            final long lostToken = silent.locks().lock("lease");
            // The waiter's traffic moves log time on; the silent holder sends nothing and expires.
            final long grantedToken = waiter.locks().tryLock("lease", 30, TimeUnit.SECONDS);
            assertThat(grantedToken).isGreaterThan(lostToken);
            assertThatThrownBy(() -> silent.locks().unlock("lease", lostToken))
                .isInstanceOf(GridClientException.OwnershipLostException.class);
            assertThatThrownBy(() -> silent.locks().unlock("lease", lostToken))
                .isInstanceOf(GridClientException.OwnershipLostException.class);
            assertThat(waiter.locks().currentToken("lease")).isEqualTo(grantedToken);
        }
    }
}
