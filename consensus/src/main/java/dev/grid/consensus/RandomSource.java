package dev.grid.consensus;

/**
 * The only randomness a {@link RaftNode} uses (randomised election timeouts), injected so that a simulation seeded
 * once replays exactly.
 */
@FunctionalInterface
public interface RandomSource
{
    /**
     * @param bound exclusive upper bound, positive.
     * @return a value in {@code [0, bound)}.
     */
    long nextLong(long bound);
}
