package dev.grid.consensus.sim;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The fixed layout of {@link RegisterStateMachine} commands (op, key, value, expected) and responses (result,
 * value). A test layout: the grid's services use SBE messages of grid-core's schema.
 */
public final class RegisterCommands
{
    public static final byte OP_WRITE = 1;
    public static final byte OP_READ = 2;
    public static final byte OP_CAS = 3;

    public static final byte RESULT_OK = 0;
    public static final byte RESULT_FAILED = 1;
    public static final byte RESULT_MALFORMED = 2;

    static final int OP_OFFSET = 0;
    static final int KEY_OFFSET = 1;
    static final int VALUE_OFFSET = 5;
    static final int EXPECTED_OFFSET = 13;
    public static final int COMMAND_LENGTH = 21;
    public static final int RESPONSE_LENGTH = 9;

    private RegisterCommands()
    {
    }

    public static int writeCommand(
        final MutableDirectBuffer buffer, final int offset, final byte op, final int key, final long value,
        final long expected)
    {
        buffer.putByte(offset + OP_OFFSET, op);
        buffer.putInt(offset + KEY_OFFSET, key);
        buffer.putLong(offset + VALUE_OFFSET, value);
        buffer.putLong(offset + EXPECTED_OFFSET, expected);
        return COMMAND_LENGTH;
    }

    static int writeResponse(final MutableDirectBuffer buffer, final int offset, final byte result, final long value)
    {
        buffer.putByte(offset, result);
        buffer.putLong(offset + 1, value);
        return RESPONSE_LENGTH;
    }

    public static byte result(final DirectBuffer buffer, final int offset)
    {
        return buffer.getByte(offset);
    }

    public static long value(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + 1);
    }
}
