package dev.grid.node;

import dev.grid.cache.CacheContext;
import dev.grid.cache.CachePolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node builds each cache named in grid.caches from its grid.cache.NAME.* keys, and a key a cache does not set
 * keeps the process-wide default.
 */
class CacheConfigurationTest
{
    private static final String[] KEYS = {
        "grid.cache.prices.policy", "grid.cache.prices.lfu.sweep", "grid.cache.prices.admission",
        "grid.cache.prices.max.entries", "grid.cache.orders.policy"};

    @AfterEach
    void clearProperties()
    {
        for (final String key : KEYS)
        {
            System.clearProperty(key);
        }
    }

    @Test
    void eachCacheTakesItsOwnKeys()
    {
        System.setProperty("grid.cache.prices.policy", "lfu");
        System.setProperty("grid.cache.prices.lfu.sweep", "true");
        System.setProperty("grid.cache.prices.admission", "true");
        System.setProperty("grid.cache.prices.max.entries", "4k");
        System.setProperty("grid.cache.orders.policy", "LFU");

        final List<CacheContext> caches = GridNode.Context.cachesFromProperties("prices, orders");

        assertThat(caches).extracting(CacheContext::name).containsExactly("prices", "orders");
        final CacheContext prices = caches.get(0);
        assertThat(prices.policy()).isEqualTo(CachePolicy.LFU);
        assertThat(prices.lfuSweep()).isTrue();
        assertThat(prices.admission()).isTrue();
        assertThat(prices.maxEntries()).isEqualTo(4096);
        final CacheContext orders = caches.get(1);
        assertThat(orders.policy()).isEqualTo(CachePolicy.LFU);
        assertThat(orders.lfuSweep()).as("the default: uniform sampling").isFalse();
        assertThat(orders.admission()).isFalse();
        assertThat(orders.serviceId()).isEqualTo(prices.serviceId() + 1);
    }
}
