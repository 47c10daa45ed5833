package dev.grid.bench;

import dev.grid.client.GridCache;
import dev.grid.client.GridRequest;
import dev.grid.client.ResponseHandler;
import dev.grid.sbe.CacheResponseDecoder;
import dev.grid.sbe.ReadConsistency;
import dev.grid.sbe.Status;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A range of numbered keys, {@code PREFIX-i} holding {@code value-i} (padded with dots or cut to a fixed size if one
 * is given), for i from 0 below {@link #count}: written and checked through the client's asynchronous API, as many
 * in flight as the client allows. The demo writes them before it kills the leader and checks them after; the
 * failover test does the same under load; {@code grid bench} fills the keys it reads.
 */
public final class NumberedKeys
{
    private static final byte PAD = '.';

    private final String prefix;
    private final int count;
    private final int valueSize;

    /**
     * @param prefix    keys are this, a dash and the number.
     * @param count     how many keys.
     * @param valueSize each value's length in bytes, or 0 for {@code value-i} as it is.
     */
    public NumberedKeys(final String prefix, final int count, final int valueSize)
    {
        if (count < 1 || valueSize < 0)
        {
            throw new IllegalArgumentException("count must be positive and value size not negative");
        }
        this.prefix = prefix + "-";
        this.count = count;
        this.valueSize = valueSize;
    }

    public int count()
    {
        return count;
    }

    /**
     * @return the longest key, in bytes.
     */
    public int maxKeyLength()
    {
        return prefix.length() + Integer.toString(count - 1).length();
    }

    /**
     * @return the room {@link #value} needs to write any value, in bytes (a fixed size shorter than
     * {@code value-i} cuts it, after writing it).
     */
    public int maxValueLength()
    {
        return Math.max(valueSize, "value-".length() + Integer.toString(count - 1).length());
    }

    /**
     * Writes key {@code i} at the start of the buffer; allocates nothing.
     *
     * @return its length.
     */
    public int key(final MutableDirectBuffer buffer, final int i)
    {
        final int length = buffer.putStringWithoutLengthAscii(0, prefix);
        return length + buffer.putNaturalIntAscii(length, i);
    }

    /**
     * Writes value {@code i} at the start of the buffer (of at least {@link #maxValueLength} bytes); allocates
     * nothing.
     *
     * @return its length.
     */
    public int value(final MutableDirectBuffer buffer, final int i)
    {
        final int natural = buffer.putStringWithoutLengthAscii(0, "value-");
        final int length = natural + buffer.putNaturalIntAscii(natural, i);
        if (0 == valueSize)
        {
            return length;
        }
        if (length < valueSize)
        {
            buffer.setMemory(length, valueSize - length, PAD);
        }
        return valueSize;
    }

    /**
     * Puts every key, pipelined, and waits for every answer.
     *
     * @param timeoutNs how long to wait when no answer comes.
     * @return how many were not acknowledged with OK (or not answered).
     */
    public int putAll(final GridCache cache, final long timeoutNs)
    {
        final Answers answers = new Answers();
        final UnsafeBuffer key = new UnsafeBuffer(new byte[maxKeyLength()]);
        final UnsafeBuffer value = new UnsafeBuffer(new byte[maxValueLength()]);
        final ResponseHandler handler = request -> answers.count(isOk(request));
        for (int i = 0; i < count; i++)
        {
            cache.putAsync(key, 0, key(key, i), value, 0, value(value, i), handler);
        }
        return answers.awaitFailures(count, timeoutNs);
    }

    /**
     * Reads every key back, pipelined, with the given consistency.
     *
     * @param timeoutNs how long to wait when no answer comes.
     * @return how many were missing, held another value, or were not answered.
     */
    public int missingOrWrong(final GridCache cache, final ReadConsistency consistency, final long timeoutNs)
    {
        final Answers answers = new Answers();
        final UnsafeBuffer key = new UnsafeBuffer(new byte[maxKeyLength()]);
        // Both are used by the handlers only, which all run on the client's one thread.
        final UnsafeBuffer expected = new UnsafeBuffer(new byte[maxValueLength()]);
        final UnsafeBuffer actual = new UnsafeBuffer(new byte[maxValueLength()]);
        for (int i = 0; i < count; i++)
        {
            final int number = i;
            cache.getAsync(key, 0, key(key, i), consistency,
                request -> answers.count(holds(request, value(expected, number), expected, actual)));
        }
        return answers.awaitFailures(count, timeoutNs);
    }

    private static boolean holds(
        final GridRequest request, final int expectedLength, final UnsafeBuffer expected, final UnsafeBuffer actual)
    {
        if (!isOk(request))
        {
            return false;
        }
        final CacheResponseDecoder response = request.cacheResponse();
        final int length = response.valueLength();
        if (length != expectedLength)
        {
            return false;
        }
        response.getValue(actual, 0, length);
        for (int i = 0; i < length; i++)
        {
            if (actual.getByte(i) != expected.getByte(i))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean isOk(final GridRequest request)
    {
        return Status.OK == request.status() && Status.OK == request.cacheResponse().status();
    }

    /**
     * Counts the answers of a pipelined pass.
     */
    private static final class Answers
    {
        private final AtomicInteger answered = new AtomicInteger();
        private final AtomicInteger failed = new AtomicInteger();

        void count(final boolean ok)
        {
            if (!ok)
            {
                failed.incrementAndGet();
            }
            answered.incrementAndGet();
        }

        /**
         * Waits for every answer, giving up once none came for {@code timeoutNs}.
         *
         * @return the failed and the unanswered.
         */
        int awaitFailures(final int expected, final long timeoutNs)
        {
            int lastAnswered = answered.get();
            long deadlineNs = System.nanoTime() + timeoutNs;
            while (lastAnswered < expected)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                final int nowAnswered = answered.get();
                if (nowAnswered > lastAnswered)
                {
                    lastAnswered = nowAnswered;
                    deadlineNs = System.nanoTime() + timeoutNs;
                }
                else if (System.nanoTime() > deadlineNs)
                {
                    return failed.get() + expected - nowAnswered;
                }
            }
            return failed.get();
        }
    }
}
