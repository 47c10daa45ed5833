package dev.grid.log;

import org.agrona.BufferUtil;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The node's current term and vote, forced to disk before every update returns.
 * <p>
 * Two fixed slots are written alternately, each with a sequence number and a CRC-32C; the valid slot with the
 * higher sequence wins on open. A write torn by a crash therefore damages only the slot being written, and the
 * previous term and vote survive in the other.
 */
final class RaftMetadataFile implements AutoCloseable
{
    private static final int SLOT_LENGTH = 32;
    private static final int SEQUENCE_OFFSET = 0;
    private static final int TERM_OFFSET = 8;
    private static final int VOTE_OFFSET = 16;
    private static final int CRC_OFFSET = 20;
    private static final int COVERED_LENGTH = CRC_OFFSET;

    private final FileChannel channel;
    private final ByteBuffer slotBytes = BufferUtil.allocateDirectAligned(SLOT_LENGTH, 64);
    private final UnsafeBuffer slot = new UnsafeBuffer(slotBytes);
    private final CRC32C crc = new CRC32C();
    private long sequence;
    private long currentTerm;
    private int votedFor = RaftLog.NO_VOTE;

    RaftMetadataFile(final Path file)
    {
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            boolean found = false;
            for (int i = 0; i < 2; i++)
            {
                if (readSlot(i) && (!found || slot.getLong(SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN) > sequence))
                {
                    found = true;
                    sequence = slot.getLong(SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN);
                    currentTerm = slot.getLong(TERM_OFFSET, ByteOrder.LITTLE_ENDIAN);
                    votedFor = slot.getInt(VOTE_OFFSET, ByteOrder.LITTLE_ENDIAN);
                }
            }
            if (!found && channel.size() > 0)
            {
                throw new LogCorruptedException("raft metadata " + file + " has no valid slot: term and vote lost");
            }
        }
        catch (final IOException ex)
        {
            throw new LogException("cannot open raft metadata " + file, ex);
        }
    }

    long currentTerm()
    {
        return currentTerm;
    }

    int votedFor()
    {
        return votedFor;
    }

    void store(final long term, final int vote)
    {
        final long nextSequence = sequence + 1;
        slot.setMemory(0, SLOT_LENGTH, (byte)0);
        slot.putLong(SEQUENCE_OFFSET, nextSequence, ByteOrder.LITTLE_ENDIAN);
        slot.putLong(TERM_OFFSET, term, ByteOrder.LITTLE_ENDIAN);
        slot.putInt(VOTE_OFFSET, vote, ByteOrder.LITTLE_ENDIAN);
        slotBytes.clear().limit(COVERED_LENGTH);
        crc.reset();
        crc.update(slotBytes);
        slot.putInt(CRC_OFFSET, (int)crc.getValue(), ByteOrder.LITTLE_ENDIAN);
        try
        {
            slotBytes.clear();
            final long position = (nextSequence & 1) * SLOT_LENGTH;
            while (slotBytes.hasRemaining())
            {
                channel.write(slotBytes, position + slotBytes.position());
            }
            channel.force(false);
        }
        catch (final IOException ex)
        {
            throw new LogException("cannot store term " + term + " and vote " + vote, ex);
        }
        sequence = nextSequence;
        currentTerm = term;
        votedFor = vote;
    }

    private boolean readSlot(final int index) throws IOException
    {
        slotBytes.clear();
        final long position = (long)index * SLOT_LENGTH;
        while (slotBytes.hasRemaining())
        {
            if (channel.read(slotBytes, position + slotBytes.position()) < 0)
            {
                return false;
            }
        }
        slotBytes.clear().limit(COVERED_LENGTH);
        crc.reset();
        crc.update(slotBytes);
        final boolean allZero = slot.getLong(SEQUENCE_OFFSET, ByteOrder.LITTLE_ENDIAN) == 0;
        return !allZero && slot.getInt(CRC_OFFSET, ByteOrder.LITTLE_ENDIAN) == (int)crc.getValue();
    }

    public void close()
    {
        CloseHelper.close(channel);
    }
}
