package dev.grid.node;

import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridClientException;
import dev.grid.client.GridLocks;
import dev.grid.sbe.NodeRole;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import dev.grid.transport.AeronTransport;
import dev.grid.transport.EmbeddedDriver;
import dev.grid.transport.MemberEndpoints;
import io.aeron.CommonContext;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The README's demo: a 3-node cluster inside this JVM (UDP on loopback, one media driver), a client that writes,
 * reads and takes a fenced lock, the leader stopped, a new leader serving, nothing acknowledged lost.
 */
public final class GridDemo
{
    private static final int KEYS = 10_000;

    private GridDemo()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path directory = Files.createTempDirectory("grid-demo");
        final EmbeddedDriver driver = EmbeddedDriver.launch(
            CommonContext.getAeronDirectoryName() + "-grid-demo-" + ProcessHandle.current().pid(), false);
        final MemberEndpoints members = MemberEndpoints.freeLoopback(3);
        final GridNode[] nodes = new GridNode[3];
        GridClient client = null;
        try
        {
            System.out.println("starting a 3-node cluster in this JVM: " + members + " (UDP on loopback), data in " +
                directory);
            for (int i = 0; i < nodes.length; i++)
            {
                nodes[i] = GridNode.launch(new GridNode.Context()
                    .directory(directory.resolve("node-" + i))
                    .transport(transport(driver, members).memberId(i)));
            }
            client = GridClient.connect(new GridClient.Context().transport(transport(driver, members)));
            final int leader = leaderOf(client, nodes.length);
            System.out.println("leader: member " + leader + "; client session " + client.sessionId());

            final GridCache cache = client.cache("default");
            final long putStart = System.nanoTime();
            final int failed = putPipelined(cache, KEYS);
            System.out.printf("put %,d keys in %,d ms (pipelined, each acknowledged after commit), %d failed%n",
                KEYS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - putStart), failed);
            System.out.println("get key-42 (linearizable) = " + cache.get("key-42", ReadConsistency.LINEARIZABLE) +
                ", (local replica) = " + cache.get("key-42", ReadConsistency.LOCAL));

            final GridLocks locks = client.locks();
            final long token = locks.lock("orders");
            cache.putFenced("orders-owner", "demo", "orders", token);
            System.out.println("lock \"orders\": token " + token + "; a put fenced with it is accepted");
            try
            {
                cache.putFenced("orders-owner", "stale", "orders", token - 1);
                System.out.println("a put fenced with token " + (token - 1) + " was accepted: WRONG");
            }
            catch (final GridClientException ex)
            {
                System.out.println("a put fenced with the stale token " + (token - 1) + " is refused: " +
                    ex.status());
            }
            locks.unlock("orders", token);

            System.out.println("stopping the leader, member " + leader + " ...");
            CloseHelper.close(nodes[leader]);
            nodes[leader] = null;
            final long stoppedNs = System.nanoTime();
            cache.put("after-failover", "served");
            System.out.printf("new leader: member %d, serving %,d ms after the stop%n", client.leaderMemberId(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedNs));
            int present = 0;
            for (int i = 0; i < KEYS; i++)
            {
                if (("value-" + i).equals(cache.get("key-" + i, ReadConsistency.LINEARIZABLE)))
                {
                    present++;
                }
            }
            System.out.printf("%,d of %,d acknowledged keys present after the failover%n", present, KEYS);
            if (present != KEYS || failed != 0)
            {
                throw new IllegalStateException("acknowledged writes were lost");
            }
        }
        finally
        {
            CloseHelper.quietClose(client);
            for (final GridNode node : nodes)
            {
                CloseHelper.quietClose(node);
            }
            CloseHelper.quietClose(driver);
            IoUtil.delete(directory.toFile(), true);
            System.out.println("stopped everything; removed " + directory);
        }
    }

    private static AeronTransport.Context transport(final EmbeddedDriver driver, final MemberEndpoints members)
    {
        return new AeronTransport.Context()
            .members(members)
            .embeddedDriver(false)
            .aeronDirectoryName(driver.aeronDirectoryName());
    }

    private static int leaderOf(final GridClient client, final int memberCount)
    {
        for (int i = 0; i < memberCount; i++)
        {
            final boolean[] leader = new boolean[1];
            client.nodeStatus(i, status -> leader[0] = status.role() == NodeRole.LEADER);
            if (leader[0])
            {
                return i;
            }
        }
        return client.leaderMemberId();
    }

    /**
     * Puts key-i = value-i for i below {@code keys} through the asynchronous API, as many in flight as the client
     * allows, and waits for every answer.
     *
     * @return how many were not acknowledged with OK.
     */
    static int putPipelined(final GridCache cache, final int keys) throws InterruptedException
    {
        final AtomicInteger done = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final UnsafeBuffer key = new UnsafeBuffer(new byte[32]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[32]);
        for (int i = 0; i < keys; i++)
        {
            final int keyLength = key.putStringWithoutLengthAscii(0, "key-" + i);
            final int valueLength = value.putStringWithoutLengthAscii(0, "value-" + i);
            cache.putAsync(key, 0, keyLength, value, 0, valueLength, request ->
            {
                if (Status.OK != request.status() || Status.OK != request.cacheResponse().status())
                {
                    failed.incrementAndGet();
                }
                done.incrementAndGet();
            });
        }
        while (done.get() < keys)
        {
            Thread.sleep(1);
        }
        return failed.get();
    }
}
