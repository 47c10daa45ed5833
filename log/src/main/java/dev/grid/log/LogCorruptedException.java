package dev.grid.log;

/**
 * A log whose stored records are damaged before its tail: the node must not start on it (recover from a snapshot
 * and the peers instead). A damaged last record is not this: it is a torn write and is discarded on open.
 */
public final class LogCorruptedException extends LogException
{
    private static final long serialVersionUID = 1L;

    public LogCorruptedException(final String message)
    {
        super(message);
    }
}
