package dev.grid.jmh.e2e;

import dev.grid.cache.CacheReader;
import dev.grid.client.GridCache;
import dev.grid.client.GridClient;
import dev.grid.client.GridLocks;
import dev.grid.client.GridRequest;
import dev.grid.client.ResponseHandler;
import dev.grid.consensus.RaftNode;
import dev.grid.log.ChronicleRaftLog;
import dev.grid.log.SyncPolicy;
import dev.grid.node.GridNode;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import dev.grid.transport.AeronTransport;
import dev.grid.transport.EmbeddedDriver;
import dev.grid.transport.MemberEndpoints;
import io.aeron.CommonContext;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Our grid as the benchmark runs it: three nodes in this JVM over UDP on loopback, each with its own media driver
 * (or one shared by all, with {@link Settings#sharedGridDriver()}), and a client with its own driver, every agent on
 * the same idle strategy. Values are 32 bytes, keys 16 bytes out of 1,024.
 */
final class GridSystem implements AutoCloseable
{
    static final String NAME = "grid";
    static final int KEY_LENGTH = 16;
    static final int VALUE_LENGTH = 32;
    private static final int KEYS = 1024;
    private static final String CACHE = "default";
    private static final String LOCK = "bench-lock";

    private final EmbeddedDriver sharedDriver;
    private final GridNode[] nodes = new GridNode[3];
    private final GridClient client;
    private final GridCache cache;
    private final GridLocks locks;
    private final CacheReader followerReader;
    private final UnsafeBuffer[] keys = new UnsafeBuffer[KEYS];
    private final UnsafeBuffer value = new UnsafeBuffer(new byte[VALUE_LENGTH]);
    private final UnsafeBuffer readInto = new UnsafeBuffer(new byte[256]);
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ResponseHandler onPutAnswer = this::onPutAnswer;
    private int next;

    GridSystem(final Path directory, final Settings settings)
    {
        for (int i = 0; i < KEYS; i++)
        {
            keys[i] = new UnsafeBuffer(new byte[KEY_LENGTH]);
            keys[i].putStringWithoutLengthAscii(0, String.format("key-%012d", i));
        }
        for (int i = 0; i < VALUE_LENGTH; i++)
        {
            value.putByte(i, (byte)('a' + i % 26));
        }
        final MemberEndpoints members = MemberEndpoints.freeLoopback(nodes.length);
        final String aeronBase = CommonContext.getAeronDirectoryName() + "-grid-e2e-" + ProcessHandle.current().pid();
        EmbeddedDriver driver = null;
        GridClient connected = null;
        try
        {
            driver = settings.sharedGridDriver() ? EmbeddedDriver.launch(aeronBase + "-shared", settings.busySpin()) :
                null;
            for (int i = 0; i < nodes.length; i++)
            {
                nodes[i] = GridNode.launch(new GridNode.Context()
                    .directory(directory.resolve("node-" + i))
                    .idleStrategy(settings.newIdleStrategy())
                    .log(new ChronicleRaftLog.Context().syncPolicy(settings.fsync() ? SyncPolicy.BATCH : SyncPolicy.NONE))
                    .raft(new RaftNode.Context().responsesPerSession(
                        Math.max(RaftNode.Context.RESPONSES_PER_SESSION_DEFAULT, settings.window())))
                    .transport(transport(settings, members, driver, aeronBase + "-" + i).memberId(i)));
            }
            connected = GridClient.connect(new GridClient.Context()
                .transport(transport(settings, members, driver, aeronBase + "-client"))
                .idleStrategy(settings.newIdleStrategy())
                .maxOutstandingCommands(Math.max(GridClient.Context.MAX_OUTSTANDING_DEFAULT, settings.window()))
                .maxRequests(Math.max(GridClient.Context.MAX_REQUESTS_DEFAULT, 2 * settings.window())));
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(connected);
            CloseHelper.quietCloseAll(nodes);
            CloseHelper.quietClose(driver);
            throw ex;
        }
        sharedDriver = driver;
        client = connected;
        cache = client.cache(CACHE);
        locks = client.locks();
        followerReader = nodes[(client.leaderMemberId() + 1) % nodes.length].newCacheReader(CACHE);
    }

    private static AeronTransport.Context transport(
        final Settings settings, final MemberEndpoints members, final EmbeddedDriver shared, final String ownDir)
    {
        return new AeronTransport.Context()
            .members(members)
            .busySpin(settings.busySpin())
            .embeddedDriver(null == shared)
            .aeronDirectoryName(null == shared ? ownDir : shared.aeronDirectoryName());
    }

    /**
     * Puts every key once, so reads hit.
     */
    void fill()
    {
        for (final UnsafeBuffer key : keys)
        {
            cache.put(key, 0, KEY_LENGTH, value, 0, VALUE_LENGTH);
        }
    }

    void put()
    {
        cache.put(nextKey(), 0, KEY_LENGTH, value, 0, VALUE_LENGTH);
    }

    void getLinearizable()
    {
        requireHit(cache.get(nextKey(), 0, KEY_LENGTH, readInto, 0, ReadConsistency.LINEARIZABLE));
    }

    void getLocalThroughClient()
    {
        requireHit(cache.get(nextKey(), 0, KEY_LENGTH, readInto, 0, ReadConsistency.LOCAL));
    }

    /**
     * An application thread embedding a follower reads that follower's copy (seqlock, no message).
     */
    void getLocalEmbedded()
    {
        requireHit(followerReader.get(nextKey(), 0, KEY_LENGTH, readInto, 0));
    }

    void lockUnlock()
    {
        locks.unlock(LOCK, locks.lock(LOCK));
    }

    /**
     * Pipelined puts through the asynchronous, allocation-free API: at most {@code window} unanswered.
     */
    void pipelinedPuts(final long operations, final int window)
    {
        completed.set(0);
        failed.set(0);
        for (long submitted = 0; submitted < operations; submitted++)
        {
            for (int spins = 0; submitted - completed.get() >= window; spins++)
            {
                GridClient.pause(spins);
            }
            cache.putAsync(nextKey(), 0, KEY_LENGTH, value, 0, VALUE_LENGTH, onPutAnswer);
        }
        for (int spins = 0; completed.get() < operations; spins++)
        {
            GridClient.pause(spins);
        }
        if (failed.get() > 0)
        {
            throw new IllegalStateException(failed.get() + " of " + operations + " pipelined puts failed");
        }
    }

    private void onPutAnswer(final GridRequest request)
    {
        if (Status.OK != request.status() || Status.OK != request.cacheResponse().status())
        {
            failed.incrementAndGet();
        }
        completed.incrementAndGet();
    }

    String describe()
    {
        return "3 nodes + client, " + (null == sharedDriver ? "a media driver each" : "one shared media driver");
    }

    private UnsafeBuffer nextKey()
    {
        final UnsafeBuffer key = keys[next];
        next = (next + 1) & (KEYS - 1);
        return key;
    }

    private static void requireHit(final int length)
    {
        if (VALUE_LENGTH != length)
        {
            throw new IllegalStateException("a read of a key that was put answered " + length);
        }
    }

    public void close()
    {
        CloseHelper.quietClose(client);
        CloseHelper.quietCloseAll(nodes);
        CloseHelper.quietClose(sharedDriver);
    }
}
