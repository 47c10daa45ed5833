package dev.grid.transport;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * A client's side of the wire: requests to any member's ingress, responses on a channel of its own that it tells
 * the member about when it opens a session. Over UDP the response endpoint's port is chosen by the driver (port 0)
 * and resolved here; over IPC the response stream id is unique within the driver.
 * <p>
 * Single-threaded: the client's agent thread sends and polls.
 */
public final class ClientTransport implements AutoCloseable
{
    private static final int RESPONSE_STREAM_ID = 1300;

    private final AeronTransport.Context ctx;
    private final EmbeddedDriver driver;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final Aeron aeron;
    private final ExclusivePublication[] members;
    private final Subscription responses;
    private final FragmentAssembler assembler;
    private final TransportCounters counters;
    private final String responseChannel;
    private final int responseStreamId;

    private ClientTransport(final AeronTransport.Context ctx, final String responseHost, final FragmentHandler handler)
    {
        this.ctx = ctx;
        EmbeddedDriver driver = null;
        Aeron aeron = null;
        try
        {
            driver = EmbeddedDriver.launchFor(ctx);
            aeron = AeronTransport.connect(ctx, driver);
            this.driver = driver;
            this.aeron = aeron;
            driverInvoker = null == driver ? null : driver.invoker();
            clientInvoker = aeron.conductorAgentInvoker();
            counters = new TransportCounters(aeron, "client=" + aeron.clientId());
            final MemberEndpoints endpoints = ctx.members();
            members = new ExclusivePublication[endpoints.count()];
            for (int member = 0; member < endpoints.count(); member++)
            {
                members[member] = aeron.addExclusivePublication(
                    AeronTransport.publicationChannel(ctx, ctx.ipc() ? null : endpoints.clientEndpoint(member)),
                    ctx.ipc() ? AeronTransport.INGRESS_STREAM_ID + member : AeronTransport.INGRESS_STREAM_ID);
            }
            if (ctx.ipc())
            {
                responseStreamId = RESPONSE_STREAM_ID + (int)(aeron.nextCorrelationId() & 0xFFFFFF);
                responses = aeron.addSubscription(CommonContext.IPC_CHANNEL, responseStreamId);
                responseChannel = CommonContext.IPC_CHANNEL;
            }
            else
            {
                responseStreamId = RESPONSE_STREAM_ID;
                responses = aeron.addSubscription("aeron:udp?endpoint=" + responseHost + ":0", responseStreamId);
                responseChannel = resolve(responses);
            }
            assembler = new FragmentAssembler(counters.counting(handler), ctx.maxMessageLength(), true);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(aeron, driver);
            throw ex;
        }
    }

    /**
     * @param ctx          the members and the Aeron settings; {@code memberId} is ignored.
     * @param responseHost the address members send responses to (UDP only).
     * @param handler      receives each whole response.
     * @return the connected transport.
     */
    public static ClientTransport launch(
        final AeronTransport.Context ctx, final String responseHost, final FragmentHandler handler)
    {
        return new ClientTransport(ctx.conclude(), responseHost, handler);
    }

    /**
     * Runs one duty cycle of an invoked embedded driver (see {@link AeronTransport#invokeDriver()}).
     *
     * @return the driver's work count, 0 if the driver runs on its own.
     */
    public int invokeDriver()
    {
        return AeronTransport.invoke(driverInvoker, clientInvoker);
    }

    /**
     * @return true if the request was published to the member; false if it was dropped (and counted).
     */
    public boolean sendToMember(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        return counters.offer(members[memberId], ctx.offerRetries(), buffer, offset, length);
    }

    /**
     * @return true once the member's ingress is reachable.
     */
    public boolean isConnected(final int memberId)
    {
        return members[memberId].isConnected();
    }

    public int pollResponses(final int fragmentLimit)
    {
        return responses.poll(assembler, fragmentLimit);
    }

    /**
     * @return the channel members should send responses to.
     */
    public String responseChannel()
    {
        return responseChannel;
    }

    public int responseStreamId()
    {
        return responseStreamId;
    }

    public int memberCount()
    {
        return members.length;
    }

    public TransportCounters counters()
    {
        return counters;
    }

    public void close()
    {
        CloseHelper.closeAll(members);
        CloseHelper.closeAll(responses, counters, aeron, driver);
    }

    private String resolve(final Subscription subscription)
    {
        final SleepingMillisIdleStrategy idle = new SleepingMillisIdleStrategy(1);
        for (int i = 0; i < 5_000; i++)
        {
            invokeDriver();
            final String endpoint = subscription.resolvedEndpoint();
            if (null != endpoint)
            {
                return "aeron:udp?endpoint=" + endpoint;
            }
            idle.idle();
        }
        throw new IllegalStateException("the driver did not bind a response endpoint for " + subscription.channel());
    }
}
