package dev.grid.core;

/**
 * Why bytes that came from outside could not be decoded. {@link MessageBounds} reports one of these as a negative
 * code instead of throwing, so that a malformed message costs a counter increment and an error response, never an
 * exception from inside a codec.
 */
public enum DecodeError
{
    /** Fewer bytes than the message header, or than the header says the message holds. */
    TRUNCATED,
    /** The header names another schema. */
    WRONG_SCHEMA,
    /** Version 0, which no encoder of this schema writes. */
    BAD_VERSION,
    /** The template id is not in the schema. */
    UNKNOWN_TEMPLATE,
    /** A valid message, but not of the template the caller expected. */
    UNEXPECTED_TEMPLATE,
    /** A block (message or group entry) is shorter than the fields its version must hold. */
    BLOCK_TOO_SHORT,
    /** An enum field holds a value the schema does not define. */
    BAD_ENUM,
    /** A variable-length field is longer than its type allows. */
    VAR_DATA_TOO_LONG,
    /** The message's checksum does not match its bytes. */
    CHECKSUM_MISMATCH,
    /** The bytes decode, but a value breaks a rule of the caller (for example a length above a configured limit). */
    INVALID_VALUE;

    private static final DecodeError[] VALUES = values();

    /**
     * @return the negative code that stands for this error where a length would otherwise be returned.
     */
    public int code()
    {
        return -(ordinal() + 1);
    }

    /**
     * @param code a negative code returned by a decoding helper.
     * @return the error it stands for.
     * @throws IllegalArgumentException if the code is not an error code.
     */
    public static DecodeError fromCode(final int code)
    {
        final int ordinal = -code - 1;
        if (ordinal < 0 || ordinal >= VALUES.length)
        {
            throw new IllegalArgumentException("not a decode error code: " + code);
        }
        return VALUES[ordinal];
    }

    /**
     * @param result a length or a negative error code.
     * @return true if the result is an error code.
     */
    public static boolean isError(final int result)
    {
        return result < 0;
    }
}
