package dev.grid.core;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * A 64-bit running hash of replicated state, for {@link StateMachine#checksum()}: replicas compare it to prove that
 * they hold the same bytes. It mixes 8-byte words with xxHash64's round and finishes with its avalanche, so a
 * single flipped bit changes the result; it is for detecting divergence, not for security.
 * <p>
 * The value depends on the sequence of updates, not only on the bytes: state machines must feed their state in a
 * defined order (for example slot order). Allocation-free; one instance per thread.
 */
public final class StateChecksum
{
    private static final long PRIME_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long PRIME_3 = 0x165667B19E3779F9L;
    private static final long PRIME_4 = 0x85EBCA77C2B2AE63L;
    private static final long PRIME_5 = 0x27D4EB2F165667C5L;

    private long hash = PRIME_5;
    private long length;

    /**
     * Starts again from the empty state.
     *
     * @return this.
     */
    public StateChecksum reset()
    {
        hash = PRIME_5;
        length = 0;
        return this;
    }

    public StateChecksum update(final long value)
    {
        hash = Long.rotateLeft(hash ^ round(value), 27) * PRIME_1 + PRIME_4;
        length += Long.BYTES;
        return this;
    }

    public StateChecksum update(final DirectBuffer buffer, final int offset, final int length)
    {
        int i = offset;
        final int end = offset + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES)
        {
            hash = Long.rotateLeft(hash ^ round(buffer.getLong(i, ByteOrder.LITTLE_ENDIAN)), 27) * PRIME_1 + PRIME_4;
        }
        for (; i < end; i++)
        {
            hash = Long.rotateLeft(hash ^ ((buffer.getByte(i) & 0xFFL) * PRIME_5), 11) * PRIME_1;
        }
        this.length += length;
        return this;
    }

    /**
     * @return the checksum of everything fed since the last reset.
     */
    public long value()
    {
        long h = hash + length;
        h ^= h >>> 33;
        h *= PRIME_2;
        h ^= h >>> 29;
        h *= PRIME_3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(final long input)
    {
        return Long.rotateLeft(input * PRIME_2, 31) * PRIME_1;
    }
}
