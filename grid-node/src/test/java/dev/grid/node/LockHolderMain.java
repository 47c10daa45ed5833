package dev.grid.node;

import dev.grid.client.GridClient;

/**
 * A client process that takes a lock, prints its token and then waits to be killed: the holder whose session the
 * grid must expire.
 */
public final class LockHolderMain
{
    static final String TOKEN_LINE_PREFIX = "token=";

    private LockHolderMain()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final GridClient client = GridClient.connect(new GridClient.Context());
        final long token = client.locks().lock(args[0]);
        System.out.println(TOKEN_LINE_PREFIX + token);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
