package dev.grid.cli;

/**
 * A command that cannot do what it was asked, with the exit code and the message the user sees.
 */
final class CliException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(final int exitCode, final String message)
    {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode()
    {
        return exitCode;
    }
}
