package dev.grid.cache;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The 64-bit hash of a cache key: the index places entries by it, and access hints name entries by it, so readers,
 * the leader and every replica must compute the same value from the same bytes, on any JVM. It is xxHash64's
 * short-input path (little-endian words, fixed seed); never {@code hashCode}, which is not specified across JVMs.
 */
public final class KeyHash
{
    private static final long PRIME_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long PRIME_3 = 0x165667B19E3779F9L;
    private static final long PRIME_4 = 0x85EBCA77C2B2AE63L;
    private static final long PRIME_5 = 0x27D4EB2F165667C5L;

    private KeyHash()
    {
    }

    /**
     * @param buffer holding the key.
     * @param offset of the key.
     * @param length of the key.
     * @return the key's hash.
     */
    public static long hash(final DirectBuffer buffer, final int offset, final int length)
    {
        long acc = PRIME_5 + length;
        final int end = offset + length;
        int i = offset;
        for (; i + Long.BYTES <= end; i += Long.BYTES)
        {
            final long lane = Long.rotateLeft(buffer.getLong(i, ByteOrder.LITTLE_ENDIAN) * PRIME_2, 31) * PRIME_1;
            acc = Long.rotateLeft(acc ^ lane, 27) * PRIME_1 + PRIME_4;
        }
        if (i + Integer.BYTES <= end)
        {
            acc = Long.rotateLeft(acc ^ ((buffer.getInt(i, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL) * PRIME_1), 23) *
                PRIME_2 + PRIME_3;
            i += Integer.BYTES;
        }
        for (; i < end; i++)
        {
            acc = Long.rotateLeft(acc ^ ((buffer.getByte(i) & 0xFFL) * PRIME_5), 11) * PRIME_1;
        }
        return mix(acc);
    }

    /**
     * The xxHash64 avalanche: every input bit affects every output bit.
     *
     * @param value to mix.
     * @return the mixed value.
     */
    public static long mix(final long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= PRIME_2;
        h ^= h >>> 29;
        h *= PRIME_3;
        h ^= h >>> 32;
        return h;
    }
}
