package dev.grid.core;

import org.agrona.DirectBuffer;

/**
 * The fence check that one state machine offers the others: the lock table implements it, and the node hands it
 * to the caches so that a write carrying {@code (lock name, fencing token)} is refused unless the token is the
 * current holder's. Both are applied by the same thread in log order, so the answer reflects every entry before
 * the one being applied. Cross-service checks go through this interface, never through a dependency between the
 * cache and locks modules.
 */
@FunctionalInterface
public interface Fences
{
    /** For nodes without a lock table: every fenced write is refused. */
    Fences NONE = (lockName, offset, length, token) -> false;

    /**
     * @param lockName buffer holding the lock's name (US-ASCII).
     * @param offset   of the name.
     * @param length   of the name.
     * @param token    the fencing token the writer holds.
     * @return true if the named lock is held and its holder's token is exactly {@code token}.
     */
    boolean isCurrentToken(DirectBuffer lockName, int offset, int length, long token);
}
