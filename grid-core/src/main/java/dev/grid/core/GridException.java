package dev.grid.core;

import dev.grid.sbe.Status;

/**
 * A refused request or misuse, with the {@link Status} a client would see for it.
 */
public class GridException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final Status status;

    public GridException(final Status status, final String message)
    {
        super(message);
        this.status = status;
    }

    public GridException(final Status status, final String message, final Throwable cause)
    {
        super(message, cause);
        this.status = status;
    }

    public Status status()
    {
        return status;
    }
}
