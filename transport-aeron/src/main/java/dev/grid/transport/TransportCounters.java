package dev.grid.transport;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * What a transport did, as counters in the media driver's counters file, so another process can read them (as
 * AeronStat does): messages sent and received, offers retried, and messages dropped because the other end was not
 * connected or stayed back-pressured through every retry. Nothing is dropped without being counted here.
 */
public final class TransportCounters implements AutoCloseable
{
    /** Counter type ids; Aeron reserves those below 1000. */
    public static final int SENT_TYPE_ID = 1101;
    public static final int RECEIVED_TYPE_ID = 1102;
    public static final int OFFER_RETRIES_TYPE_ID = 1103;
    public static final int DROPPED_NOT_CONNECTED_TYPE_ID = 1104;
    public static final int DROPPED_BACK_PRESSURE_TYPE_ID = 1105;

    private final AtomicCounter sent;
    private final AtomicCounter received;
    private final AtomicCounter offerRetries;
    private final AtomicCounter droppedNotConnected;
    private final AtomicCounter droppedBackPressure;

    TransportCounters(final Aeron aeron, final String owner)
    {
        sent = aeron.addCounter(SENT_TYPE_ID, "grid " + owner + " messages sent");
        received = aeron.addCounter(RECEIVED_TYPE_ID, "grid " + owner + " messages received");
        offerRetries = aeron.addCounter(OFFER_RETRIES_TYPE_ID, "grid " + owner + " offers retried");
        droppedNotConnected = aeron.addCounter(DROPPED_NOT_CONNECTED_TYPE_ID,
            "grid " + owner + " messages dropped, not connected");
        droppedBackPressure = aeron.addCounter(DROPPED_BACK_PRESSURE_TYPE_ID,
            "grid " + owner + " messages dropped, back pressure");
    }

    /**
     * Offers a message, retrying a bounded number of times while the publication is back-pressured or the driver is
     * busy; every outcome is counted.
     *
     * @return true if the message was published.
     */
    boolean offer(final Publication publication, final int retries, final DirectBuffer buffer, final int offset,
        final int length)
    {
        for (int attempt = 0; attempt <= retries; attempt++)
        {
            final long result = publication.offer(buffer, offset, length);
            if (result > 0)
            {
                sent.incrementRelease();
                return true;
            }
            if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED ||
                result == Publication.MAX_POSITION_EXCEEDED)
            {
                droppedNotConnected.incrementRelease();
                return false;
            }
            if (attempt < retries)
            {
                offerRetries.incrementRelease();
            }
        }
        droppedBackPressure.incrementRelease();
        return false;
    }

    /**
     * @return a handler that counts each whole message it passes on.
     */
    FragmentHandler counting(final FragmentHandler delegate)
    {
        return (final DirectBuffer buffer, final int offset, final int length, final Header header) ->
        {
            received.incrementRelease();
            delegate.onFragment(buffer, offset, length, header);
        };
    }

    public long sent()
    {
        return sent.get();
    }

    public long received()
    {
        return received.get();
    }

    public long offerRetries()
    {
        return offerRetries.get();
    }

    public long droppedNotConnected()
    {
        return droppedNotConnected.get();
    }

    public long droppedBackPressure()
    {
        return droppedBackPressure.get();
    }

    public void close()
    {
        CloseHelper.closeAll(sent, received, offerRetries, droppedNotConnected, droppedBackPressure);
    }
}
