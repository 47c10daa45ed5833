package dev.grid.client;

import dev.grid.core.GridException;
import dev.grid.sbe.Status;

/**
 * A request the grid refused or could not complete. Subclasses name the cases callers handle differently.
 */
public class GridClientException extends GridException
{
    private static final long serialVersionUID = 1L;

    public GridClientException(final Status status, final String message)
    {
        super(status, message);
    }

    /**
     * @return the exception a caller should see for a refusal with this status.
     */
    static GridClientException of(final Status status, final String what)
    {
        switch (status)
        {
            case TIMEOUT:
                return new GridTimeoutException(what + " timed out");
            case NOT_LEADER:
                return new NoLeaderException(what + ": no leader answered");
            case OWNERSHIP_LOST:
                return new OwnershipLostException(what + ": the lock was lost (its session expired or closed)");
            case TOO_LARGE:
                return new ValueTooLargeException(what + ": key, value or response over the grid's limit");
            case MALFORMED:
            case UNKNOWN_SERVICE:
                return new BadArgumentException(status, what + " was refused as " + status);
            default:
                return new GridClientException(status, what + " failed: " + status);
        }
    }

    /** No answer within the request's timeout (the grid may still apply it; a retry with the same request is safe). */
    public static final class GridTimeoutException extends GridClientException
    {
        private static final long serialVersionUID = 1L;

        public GridTimeoutException(final String message)
        {
            super(Status.TIMEOUT, message);
        }
    }

    /** No member would act as leader within the timeout (an election, a partition, or too few members up). */
    public static final class NoLeaderException extends GridClientException
    {
        private static final long serialVersionUID = 1L;

        public NoLeaderException(final String message)
        {
            super(Status.NOT_LEADER, message);
        }
    }

    /** The lock this client held was released because its session expired or closed; its token is stale. */
    public static final class OwnershipLostException extends GridClientException
    {
        private static final long serialVersionUID = 1L;

        public OwnershipLostException(final String message)
        {
            super(Status.OWNERSHIP_LOST, message);
        }
    }

    /** A key, value or answer larger than the cache or the grid accepts. */
    public static final class ValueTooLargeException extends GridClientException
    {
        private static final long serialVersionUID = 1L;

        public ValueTooLargeException(final String message)
        {
            super(Status.TOO_LARGE, message);
        }
    }

    /** An argument the grid refuses: an empty key, an unknown cache, a malformed command. */
    public static final class BadArgumentException extends GridClientException
    {
        private static final long serialVersionUID = 1L;

        public BadArgumentException(final Status status, final String message)
        {
            super(status, message);
        }
    }
}
