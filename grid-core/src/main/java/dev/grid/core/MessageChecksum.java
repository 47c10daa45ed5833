package dev.grid.core;

import dev.grid.sbe.MessageHeaderDecoder;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.LangUtil;
import org.agrona.MutableDirectBuffer;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * CRC-32C of a sealed message: a message whose block starts with a uint32 checksum field (the log's entries and
 * markers). The checksum covers every byte of the message except the field itself: the header (so a flipped
 * version or block length is caught too), the fields it protects (term, index, timestamp, session, sequence, type)
 * and the payload.
 * <p>
 * Direct buffers use the JDK's CRC-32C intrinsic on the address, chained over the two ranges (Agrona's
 * {@code Crc32c} computes one range only); heap buffers use a {@link CRC32C} this object owns, so an instance is
 * for one thread. Neither path allocates.
 */
public final class MessageChecksum
{
    /** Offset of the checksum from the start of the message header. */
    public static final int CHECKSUM_OFFSET = MessageHeaderDecoder.ENCODED_LENGTH;
    /** Bytes from the start of the message header to the first byte after the checksum. */
    public static final int COVERED_OFFSET = CHECKSUM_OFFSET + Integer.BYTES;

    private static final MethodHandle UPDATE_DIRECT = updateDirectByteBuffer();

    private final CRC32C heapCrc = new CRC32C();

    /**
     * @param buffer        holding the message.
     * @param messageOffset of its header.
     * @param messageLength including the header; at least {@link #COVERED_OFFSET}.
     * @return the checksum the message should carry.
     */
    public int compute(final DirectBuffer buffer, final int messageOffset, final int messageLength)
    {
        buffer.boundsCheck(messageOffset, messageLength);
        final byte[] array = buffer.byteArray();
        if (null == array)
        {
            final long address = buffer.addressOffset();
            try
            {
                int crc = (int)UPDATE_DIRECT.invokeExact(
                    0xFFFFFFFF, address, messageOffset, messageOffset + CHECKSUM_OFFSET);
                crc = (int)UPDATE_DIRECT.invokeExact(
                    crc, address, messageOffset + COVERED_OFFSET, messageOffset + messageLength);
                return ~crc;
            }
            catch (final Throwable t)
            {
                LangUtil.rethrowUnchecked(t);
                return 0;
            }
        }
        final int arrayOffset = (int)(buffer.addressOffset() - BufferUtil.ARRAY_BASE_OFFSET) + messageOffset;
        heapCrc.reset();
        heapCrc.update(array, arrayOffset, CHECKSUM_OFFSET);
        heapCrc.update(array, arrayOffset + COVERED_OFFSET, messageLength - COVERED_OFFSET);
        return (int)heapCrc.getValue();
    }
    /**
     * Writes the checksum of an encoded message into its checksum field.
     *
     * @param buffer        holding the message.
     * @param messageOffset of its header.
     * @param messageLength including the header.
     */
    public void seal(final MutableDirectBuffer buffer, final int messageOffset, final int messageLength)
    {
        buffer.putInt(
            messageOffset + CHECKSUM_OFFSET, compute(buffer, messageOffset, messageLength), ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @param buffer        holding the message.
     * @param messageOffset of its header.
     * @param messageLength including the header.
     * @return true if the checksum field matches the bytes.
     */
    public boolean verify(final DirectBuffer buffer, final int messageOffset, final int messageLength)
    {
        return messageLength >= COVERED_OFFSET && messageLength <= buffer.capacity() - messageOffset &&
            buffer.getInt(messageOffset + CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN) ==
            compute(buffer, messageOffset, messageLength);
    }

    private static MethodHandle updateDirectByteBuffer()
    {
        try
        {
            // The same private intrinsic Agrona's Crc32c uses (hence --add-opens java.base/java.util.zip), taken
            // with its running-CRC argument free so two ranges can be chained.
            final Method method = CRC32C.class.getDeclaredMethod(
                "updateDirectByteBuffer", int.class, long.class, int.class, int.class);
            method.setAccessible(true);
            return MethodHandles.lookup().unreflect(method);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            throw new IllegalStateException(
                "CRC-32C intrinsic unavailable: run with --add-opens=java.base/java.util.zip=ALL-UNNAMED", ex);
        }
    }
}
