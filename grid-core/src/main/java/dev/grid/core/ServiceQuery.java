package dev.grid.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A service that answers reads without a log entry: linearizable reads (after ReadIndex on the leader) and local
 * reads (any replica, possibly stale). A query never changes replicated state, so it may run between entries; the
 * node calls it on its agent thread, the same thread that applies entries.
 */
@FunctionalInterface
public interface ServiceQuery
{
    /**
     * @param query          buffer holding the query (an SBE message of the service, e.g. a CacheGet).
     * @param offset         of the query.
     * @param length         of the query.
     * @param response       where to write the answer (an SBE message of the service).
     * @param responseOffset where the answer starts.
     * @return the length of the answer written; a query the service does not answer this way gets an answer with
     * a MALFORMED status, never an exception.
     */
    int query(DirectBuffer query, int offset, int length, MutableDirectBuffer response, int responseOffset);
}
