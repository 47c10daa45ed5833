package dev.grid.cache.trace;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The access-trace formats of the Caffeine simulator's traces (see shared/traces/README.md), read from an already
 * decompressed stream: one key per access.
 */
public enum TraceFormat
{
    /** Text, one decimal block number per line; lines "*" are LIRS checkpoint markers. */
    LIRS
    {
        public void read(final InputStream in, final LongConsumer accesses) throws IOException
        {
            final BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            while (null != (line = reader.readLine()))
            {
                final String trimmed = line.trim();
                if (!trimmed.isEmpty() && !"*".equals(trimmed))
                {
                    accesses.accept(Long.parseLong(trimmed));
                }
            }
        }
    },
    /** Binary, one big-endian int32 key per access. */
    CACHE2K
    {
        public void read(final InputStream in, final LongConsumer accesses) throws IOException
        {
            readFixedWidth(in, Integer.BYTES, accesses);
        }
    },
    /** Binary, one big-endian int64 key per access. */
    CORDA
    {
        public void read(final InputStream in, final LongConsumer accesses) throws IOException
        {
            readFixedWidth(in, Long.BYTES, accesses);
        }
    };

    private static void readFixedWidth(final InputStream in, final int width, final LongConsumer accesses)
        throws IOException
    {
        final DataInputStream data = new DataInputStream(in);
        while (true)
        {
            final long key;
            try
            {
                key = Integer.BYTES == width ? data.readInt() : data.readLong();
            }
            catch (final EOFException ex)
            {
                return;
            }
            accesses.accept(key);
        }
    }

    /**
     * Calls {@code accesses} with each key of the trace, in order.
     */
    public abstract void read(InputStream in, LongConsumer accesses) throws IOException;

    /**
     * @return all keys of the trace, in order.
     */
    public long[] readAll(final InputStream in) throws IOException
    {
        final long[][] keys = {new long[1 << 16]};
        final int[] size = {0};
        read(in, key ->
        {
            if (size[0] == keys[0].length)
            {
                keys[0] = Arrays.copyOf(keys[0], size[0] * 2);
            }
            keys[0][size[0]++] = key;
        });
        return Arrays.copyOf(keys[0], size[0]);
    }

    public static TraceFormat parse(final String name)
    {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
