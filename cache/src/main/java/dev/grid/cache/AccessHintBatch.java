package dev.grid.cache;

import dev.grid.sbe.CacheAccessHintsEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import org.agrona.MutableDirectBuffer;

/**
 * Collects the key hashes of local reads on the leader and encodes them as one {@code CacheAccessHints} command,
 * which the leader appends (entry type ACCESS_HINTS) so that every replica counts the reads toward LRU/LFU in the
 * same order. Pre-sized; allocation-free after construction. Single-threaded.
 */
public final class AccessHintBatch
{
    private final long[] hashes;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CacheAccessHintsEncoder encoder = new CacheAccessHintsEncoder();
    private int size;

    /**
     * @param capacity the most hashes in one command; at most the cache's maxBatchSize.
     */
    public AccessHintBatch(final int capacity)
    {
        if (capacity < 1 || capacity > 65535)
        {
            throw new IllegalArgumentException("capacity must be in 1..65535: " + capacity);
        }
        hashes = new long[capacity];
    }

    /**
     * @param keyHash of a key read, from {@link CacheReader#lastKeyHash()} or {@link KeyHash}.
     * @return false if the batch is full: encode and reset it first.
     */
    public boolean add(final long keyHash)
    {
        if (size == hashes.length)
        {
            return false;
        }
        hashes[size++] = keyHash;
        return true;
    }

    public int size()
    {
        return size;
    }

    public boolean isFull()
    {
        return size == hashes.length;
    }

    public void reset()
    {
        size = 0;
    }

    /**
     * @return the bytes {@link #encode} will write.
     */
    public int encodedLength()
    {
        return MessageHeaderEncoder.ENCODED_LENGTH + CacheAccessHintsEncoder.BLOCK_LENGTH +
            CacheAccessHintsEncoder.HintsEncoder.sbeHeaderSize() +
            size * CacheAccessHintsEncoder.HintsEncoder.sbeBlockLength();
    }

    /**
     * @return the length of the command written at {@code offset}.
     */
    public int encode(final MutableDirectBuffer buffer, final int offset)
    {
        encoder.wrapAndApplyHeader(buffer, offset, headerEncoder);
        final CacheAccessHintsEncoder.HintsEncoder hints = encoder.hintsCount(size);
        for (int i = 0; i < size; i++)
        {
            hints.next().keyHash(hashes[i]);
        }
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }
}
