package dev.grid.node;

import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridClientException;
import dev.grid.client.GridLocks;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
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
}
