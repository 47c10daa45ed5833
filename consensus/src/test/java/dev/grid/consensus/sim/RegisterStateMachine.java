package dev.grid.consensus.sim;

import dev.grid.core.GridException;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateChecksum;
import dev.grid.core.StateMachine;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * The simulation's test service: a fixed array of 64-bit registers with write, read and compare-and-set. Commands
 * and responses use the small fixed layout of {@link RegisterCommands}. It allocates nothing after construction.
 */
public final class RegisterStateMachine implements StateMachine
{
    private final long[] values;
    private final StateChecksum checksum = new StateChecksum();
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(8));
    private long lastTimestamp;
    private long applied;

    public RegisterStateMachine(final int registers)
    {
        values = new long[registers];
    }

    public int apply(
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
        applied++;
        if (length != RegisterCommands.COMMAND_LENGTH)
        {
            return RegisterCommands.writeResponse(response, responseOffset, RegisterCommands.RESULT_MALFORMED, 0);
        }
        final byte op = command.getByte(offset + RegisterCommands.OP_OFFSET);
        final int key = command.getInt(offset + RegisterCommands.KEY_OFFSET);
        if (key < 0 || key >= values.length)
        {
            return RegisterCommands.writeResponse(response, responseOffset, RegisterCommands.RESULT_MALFORMED, 0);
        }
        final long value = command.getLong(offset + RegisterCommands.VALUE_OFFSET);
        final long expected = command.getLong(offset + RegisterCommands.EXPECTED_OFFSET);
        switch (op)
        {
            case RegisterCommands.OP_WRITE:
                values[key] = value;
                return RegisterCommands.writeResponse(response, responseOffset, RegisterCommands.RESULT_OK, value);
            case RegisterCommands.OP_READ:
                return RegisterCommands.writeResponse(response, responseOffset, RegisterCommands.RESULT_OK,
                    values[key]);
            case RegisterCommands.OP_CAS:
                if (values[key] == expected)
                {
                    values[key] = value;
                    return RegisterCommands.writeResponse(response, responseOffset, RegisterCommands.RESULT_OK,
                        value);
                }
                return RegisterCommands.writeResponse(response, responseOffset, RegisterCommands.RESULT_FAILED,
                    values[key]);
            default:
                return RegisterCommands.writeResponse(response, responseOffset, RegisterCommands.RESULT_MALFORMED, 0);
        }
    }

    public void onLogTime(final long index, final long timestamp)
    {
        if (timestamp < lastTimestamp)
        {
            throw new IllegalStateException("log time went backwards at index " + index + ": " + timestamp + " < " +
                lastTimestamp);
        }
        lastTimestamp = timestamp;
    }

    /**
     * A local read, for ReadIndex: the register's value on this replica now.
     */
    public long read(final int key)
    {
        return values[key];
    }

    public int registers()
    {
        return values.length;
    }

    /**
     * @return the commands this replica has applied since it started, duplicates excluded.
     */
    public long appliedCount()
    {
        return applied;
    }

    public void snapshot(final SnapshotWriter writer)
    {
        scratch.putInt(0, values.length);
        writer.write(scratch, 0, 4);
        scratch.putLong(0, lastTimestamp);
        writer.write(scratch, 0, 8);
        for (final long value : values)
        {
            scratch.putLong(0, value);
            writer.write(scratch, 0, 8);
        }
    }

    public void restore(final SnapshotReader reader)
    {
        reader.readFully(scratch, 0, 4);
        if (scratch.getInt(0) != values.length)
        {
            throw new GridException(Status.MALFORMED, "register snapshot has " + scratch.getInt(0) + " registers");
        }
        reader.readFully(scratch, 0, 8);
        lastTimestamp = scratch.getLong(0);
        for (int i = 0; i < values.length; i++)
        {
            reader.readFully(scratch, 0, 8);
            values[i] = scratch.getLong(0);
        }
    }

    public long checksum()
    {
        checksum.reset();
        for (final long value : values)
        {
            checksum.update(value);
        }
        return checksum.value();
    }
}
