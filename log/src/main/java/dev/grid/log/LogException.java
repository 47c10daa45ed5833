package dev.grid.log;

/**
 * Misuse of a {@link RaftLog}, or a log on disk that cannot be trusted.
 */
public class LogException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public LogException(final String message)
    {
        super(message);
    }

    public LogException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
