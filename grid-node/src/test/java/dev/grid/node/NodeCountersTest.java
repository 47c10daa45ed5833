package dev.grid.node;

import dev.grid.cache.CacheContext;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NodeCountersTest
{
    /** Longer than every suffix NodeCounters puts after a cache's prefix ("hits (gets in the log, ...)"). */
    private static final int SUFFIX_ROOM = 64;

    @Test
    void cacheLabelsNameTheCacheAndStayWithinAeronsLabelLimit()
    {
        assertThat(NodeCounters.cachePrefix(2, "orders")).isEqualTo("grid node=2 cache=orders ");

        final String longest = "n".repeat(CacheContext.MAX_NAME_LENGTH);
        final String prefix = NodeCounters.cachePrefix(Integer.MAX_VALUE, longest);
        assertThat(prefix).startsWith("grid node=" + Integer.MAX_VALUE + " cache=nnn").endsWith("... ");
        assertThat(prefix.length() + SUFFIX_ROOM).isLessThanOrEqualTo(CountersReader.MAX_LABEL_LENGTH);
    }
}
