package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.sbe.CacheResponseEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The named caches of a node, created from configuration at start. The node registers each cache's
 * {@link CacheStateMachine} under its serviceId and routes log entries by serviceId; {@link #apply} does that
 * routing for callers that hold all caches, answering an entry for an unknown cache with UNKNOWN_SERVICE.
 */
public final class Caches implements AutoCloseable
{
    private final Int2ObjectHashMap<CacheStateMachine> byServiceId = new Int2ObjectHashMap<>();
    private final List<CacheStateMachine> all;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CacheResponseEncoder responseEncoder = new CacheResponseEncoder();

    /**
     * @param contexts one per cache; names and serviceIds must be unique.
     * @param fences   the lock table's fence check, shared by every cache.
     */
    public Caches(final List<CacheContext> contexts, final Fences fences)
    {
        final Set<String> names = new HashSet<>();
        final List<CacheStateMachine> caches = new ArrayList<>();
        try
        {
            for (final CacheContext context : contexts)
            {
                context.conclude();
                if (!names.add(context.name()) || byServiceId.containsKey(context.serviceId()))
                {
                    throw new IllegalArgumentException("duplicate cache name or serviceId: " + context);
                }
                final CacheStateMachine cache = new CacheStateMachine(context, fences);
                caches.add(cache);
                byServiceId.put(context.serviceId(), cache);
            }
        }
        catch (final RuntimeException ex)
        {
            caches.forEach(CacheStateMachine::close);
            throw ex;
        }
        all = Collections.unmodifiableList(caches);
    }

    /**
     * @return the cache for a serviceId, or null.
     */
    public CacheStateMachine get(final int serviceId)
    {
        return byServiceId.get(serviceId);
    }

    /**
     * @return the cache of that name, or null.
     */
    public CacheStateMachine byName(final String name)
    {
        for (final CacheStateMachine cache : all)
        {
            if (cache.context().name().equals(name))
            {
                return cache;
            }
        }
        return null;
    }

    public List<CacheStateMachine> all()
    {
        return all;
    }

    /**
     * Log time reached {@code timestamp}: every cache advances and sweeps.
     */
    public void onLogTime(final long index, final long timestamp)
    {
        for (int i = 0, size = all.size(); i < size; i++)
        {
            all.get(i).onLogTime(index, timestamp);
        }
    }

    /**
     * Applies a command to the cache its serviceId names.
     *
     * @return the response length; an unknown serviceId is answered with UNKNOWN_SERVICE.
     */
    public int apply(
        final int serviceId,
        final long index,
        final long timestamp,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer command,
        final int offset,
        final int length,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        final CacheStateMachine cache = byServiceId.get(serviceId);
        if (null == cache)
        {
            return CacheStateMachine.encodeResponse(responseEncoder, headerEncoder, response, responseOffset,
                Status.UNKNOWN_SERVICE, 0, 0, CacheStateMachine.Detail.UNKNOWN_CACHE);
        }
        return cache.apply(
            index, timestamp, sessionId, requestSequence, command, offset, length, response, responseOffset);
    }

    public void close()
    {
        all.forEach(CacheStateMachine::close);
    }
}
