package dev.grid.node;

import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridLocks;
import dev.grid.sbe.ReadConsistency;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Default election and session timeouts under steady load on this machine: three node processes, a client writing,
 * reading and locking without pause; no member may start an election (its term would move) and the client may
 * never lose its leader. The default run loads for {@code grid.test.steady.seconds} (10 s); {@code -Psoak} runs 60 s.
 */
class SteadyLoadElectionsTest
{
    private static final long LOAD_SECONDS = Long.getLong("grid.test.steady.seconds", 10);

    @TempDir
    Path dir;

    @Test
    void noElectionDuringSteadyLoadAtDefaultTimeouts()
    {
        try (ProcessCluster cluster = new ProcessCluster(3, dir); GridClient client = cluster.client())
        {
            final GridCache cache = client.cache("default");
            final GridLocks locks = client.locks();
            cache.put("warm", "up");
            final int leader = cluster.leader(client);
            final long[] termsBefore = terms(cluster, client);

            final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(LOAD_SECONDS);
            long operations = 0;
            while (System.nanoTime() < end)
            {
                final String key = "key-" + (operations % 1000);
                cache.put(key, "value-" + operations);
                assertThat(cache.get(key, ReadConsistency.LINEARIZABLE)).isEqualTo("value-" + operations);
                if (0 == operations % 10)
                {
                    locks.unlock("steady", locks.lock("steady"));
                }
                operations++;
            }

            final long[] termsAfter = terms(cluster, client);
            System.out.println("STEADY-LOAD seconds=" + LOAD_SECONDS + " operations=" + operations + " terms " +
                Arrays.toString(termsBefore) + " -> " + Arrays.toString(termsAfter) + " leader losses " +
                client.leaderLosses());
            assertThat(termsAfter).as("terms (an election moves them)").isEqualTo(termsBefore);
            assertThat(cluster.leader(client)).isEqualTo(leader);
            assertThat(client.leaderLosses()).isZero();
            assertThat(operations).isPositive();
        }
    }

    private static long[] terms(final ProcessCluster cluster, final GridClient client)
    {
        final long[] terms = new long[cluster.nodes.length];
        for (int i = 0; i < terms.length; i++)
        {
            final int member = i;
            client.nodeStatus(member, status -> terms[member] = status.term());
        }
        return terms;
    }
}
