package dev.grid.transport;

import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.SystemUtil;
import org.agrona.concurrent.AgentInvoker;

/**
 * A node's side of the wire: SBE messages to and from its peers, requests in from clients, responses out to them.
 * Between hosts it is UDP (each member listens on its own endpoints); inside one process it is IPC through one
 * shared driver. Each message is one Aeron message (fragmented and reassembled by Aeron when longer than the MTU).
 * <p>
 * Single-threaded: the node's agent thread sends and polls. Sends never block: an offer that is back-pressured is
 * retried a bounded number of times and then dropped and counted ({@link TransportCounters}); Raft resends what a
 * peer missed, and a client that misses a response retries its request, which the session table answers again
 * without applying it twice.
 */
public final class AeronTransport implements AutoCloseable
{
    /** Stream of peer messages; over IPC member i uses {@code PEER_STREAM_ID + i}. */
    public static final int PEER_STREAM_ID = 1100;
    /** Stream of client requests; over IPC member i uses {@code INGRESS_STREAM_ID + i}. */
    public static final int INGRESS_STREAM_ID = 1200;

    private final Context ctx;
    private final EmbeddedDriver driver;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final Aeron aeron;
    private final ExclusivePublication[] peers;
    private final Subscription peerSubscription;
    private final Subscription ingressSubscription;
    private static final int CLIENT_REASSEMBLY_LENGTH = 16 * 1024;

    private final FragmentAssembler peerAssembler;
    private final FragmentAssembler ingressAssembler;
    private final ExclusivePublication[] egress;
    private final TransportCounters peerCounters;
    private final TransportCounters clientCounters;

    private AeronTransport(final Context ctx, final FragmentHandler peerHandler, final FragmentHandler ingressHandler)
    {
        this.ctx = ctx;
        EmbeddedDriver driver = null;
        Aeron aeron = null;
        try
        {
            driver = EmbeddedDriver.launchFor(ctx);
            aeron = connect(ctx, driver);
            this.driver = driver;
            this.aeron = aeron;
            driverInvoker = null == driver ? null : driver.invoker();
            clientInvoker = aeron.conductorAgentInvoker();
            final int self = ctx.memberId();
            final MemberEndpoints members = ctx.members();
            peerCounters = new TransportCounters(aeron, "node=" + self + " peer");
            clientCounters = new TransportCounters(aeron, "node=" + self + " client");
            peers = new ExclusivePublication[members.count()];
            for (int member = 0; member < members.count(); member++)
            {
                if (member != self)
                {
                    peers[member] = aeron.addExclusivePublication(
                        publicationChannel(ctx, ctx.ipc() ? null : members.peerEndpoint(member)),
                        ctx.ipc() ? PEER_STREAM_ID + member : PEER_STREAM_ID);
                }
            }
            peerSubscription = aeron.addSubscription(
                subscriptionChannel(ctx.ipc() ? null : members.peerEndpoint(self)),
                ctx.ipc() ? PEER_STREAM_ID + self : PEER_STREAM_ID);
            ingressSubscription = aeron.addSubscription(
                subscriptionChannel(ctx.ipc() ? null : members.clientEndpoint(self)),
                ctx.ipc() ? INGRESS_STREAM_ID + self : INGRESS_STREAM_ID);
            // Reassembly buffers sized at start so they never grow while the node runs: a peer batch may be as
            // long as a message can be; a client's command rarely is, so its buffer starts smaller (one per client).
            peerAssembler = new FragmentAssembler(
                peerCounters.counting(peerHandler), ctx.maxMessageLength(), true);
            ingressAssembler = new FragmentAssembler(clientCounters.counting(ingressHandler),
                Math.min(ctx.maxMessageLength(), CLIENT_REASSEMBLY_LENGTH), true);
            egress = new ExclusivePublication[ctx.maxClients()];
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(aeron, driver);
            throw ex;
        }
    }

    /**
     * Starts the transport (and its embedded driver, if configured).
     *
     * @param ctx            configuration; concluded here.
     * @param peerHandler    receives each whole peer message.
     * @param ingressHandler receives each whole client request.
     * @return the running transport.
     */
    public static AeronTransport launch(
        final Context ctx, final FragmentHandler peerHandler, final FragmentHandler ingressHandler)
    {
        return new AeronTransport(ctx.conclude(), peerHandler, ingressHandler);
    }

    /**
     * Runs one duty cycle of the embedded driver if it has no thread of its own (see
     * {@link Context#invokedDriver()}): sends what was published, receives what arrived. Call it from the thread that
     * polls, every duty cycle.
     *
     * @return the driver's work count, 0 if the driver runs on its own.
     */
    public int invokeDriver()
    {
        return invoke(driverInvoker, clientInvoker);
    }

    /**
     * One duty cycle of an invoked driver and of the Aeron client that invokes it (which then has no thread of its
     * own either: Aeron requires both or neither).
     */
    static int invoke(final AgentInvoker driverInvoker, final AgentInvoker clientInvoker)
    {
        if (null == driverInvoker)
        {
            return 0;
        }
        return clientInvoker.invoke() + driverInvoker.invoke();
    }

    /**
     * @return true if the message was published to the member; false if it was dropped (and counted).
     */
    public boolean sendToPeer(final int memberId, final DirectBuffer buffer, final int offset, final int length)
    {
        return peerCounters.offer(peers[memberId], ctx.offerRetries(), buffer, offset, length);
    }

    /**
     * @return the number of fragments read from peers.
     */
    public int pollPeers(final int fragmentLimit)
    {
        return peerSubscription.poll(peerAssembler, fragmentLimit);
    }

    /**
     * @return the number of fragments read from clients.
     */
    public int pollIngress(final int fragmentLimit)
    {
        return ingressSubscription.poll(ingressAssembler, fragmentLimit);
    }

    /**
     * Opens the way back to a client, to the channel and stream it said it listens on.
     *
     * @return the egress slot to send to, or -1 if {@link Context#maxClients()} are already connected.
     */
    public int openEgress(final String channel, final int streamId)
    {
        for (int slot = 0; slot < egress.length; slot++)
        {
            if (null == egress[slot])
            {
                egress[slot] = aeron.addExclusivePublication(withTermLength(channel), streamId);
                return slot;
            }
        }
        return -1;
    }

    /**
     * @return true if the response was published; false if it was dropped (and counted).
     */
    public boolean sendToClient(final int egressSlot, final DirectBuffer buffer, final int offset, final int length)
    {
        return clientCounters.offer(egress[egressSlot], ctx.offerRetries(), buffer, offset, length);
    }

    /**
     * @return true while the client's side of an egress slot is connected.
     */
    public boolean isEgressConnected(final int egressSlot)
    {
        final ExclusivePublication publication = egress[egressSlot];
        return null != publication && publication.isConnected();
    }

    public void closeEgress(final int egressSlot)
    {
        CloseHelper.close(egress[egressSlot]);
        egress[egressSlot] = null;
    }

    public TransportCounters peerCounters()
    {
        return peerCounters;
    }

    public TransportCounters clientCounters()
    {
        return clientCounters;
    }

    /**
     * @return the Aeron client, for counters of the node's own.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    public Context context()
    {
        return ctx;
    }

    public void close()
    {
        CloseHelper.closeAll(egress);
        CloseHelper.closeAll(peers);
        CloseHelper.closeAll(peerSubscription, ingressSubscription, peerCounters, clientCounters, aeron, driver);
    }

    /**
     * Connects an Aeron client to the driver; to an invoked embedded driver, the client runs the driver's duty cycle
     * itself while it waits for the driver's answers, and has no conductor thread: its owner invokes both.
     */
    static Aeron connect(final Context ctx, final EmbeddedDriver driver)
    {
        final Aeron.Context aeronCtx = new Aeron.Context().aeronDirectoryName(ctx.aeronDirectoryName());
        if (null != driver && null != driver.invoker())
        {
            aeronCtx.driverAgentInvoker(driver.invoker()).useConductorAgentInvoker(true);
        }
        return Aeron.connect(aeronCtx);
    }

    static String publicationChannel(final Context ctx, final String endpoint)
    {
        final ChannelUriStringBuilder builder = new ChannelUriStringBuilder()
            .media(null == endpoint ? CommonContext.IPC_MEDIA : CommonContext.UDP_MEDIA)
            .termLength(ctx.termLength());
        if (null != endpoint)
        {
            builder.endpoint(endpoint);
        }
        return builder.build();
    }

    static String subscriptionChannel(final String endpoint)
    {
        return null == endpoint ? CommonContext.IPC_CHANNEL : "aeron:udp?endpoint=" + endpoint;
    }

    private String withTermLength(final String channel)
    {
        return channel.contains("term-length") ? channel :
            channel + (channel.contains("?") ? "|" : "?") + "term-length=" + ctx.termLength();
    }

    /**
     * Configuration of a node's transport; defaults from system properties.
     */
    public static final class Context
    {
        /** The members, {@code id=host:peerPort:clientPort,...} (see {@link MemberEndpoints}). */
        public static final String MEMBERS_PROP_NAME = "grid.members";
        public static final String MEMBERS_DEFAULT = "0=localhost:20110:20120,1=localhost:20111:20121," +
            "2=localhost:20112:20122";

        /** This node's member id. */
        public static final String MEMBER_ID_PROP_NAME = "grid.member.id";

        /** IPC instead of UDP: all members in this process, on one driver. */
        public static final String IPC_PROP_NAME = "grid.transport.ipc";

        /** Where the media driver keeps its files. */
        public static final String AERON_DIR_PROP_NAME = "grid.aeron.dir";

        /** Launch a driver inside this process (true) or use a running one in the Aeron directory (false). */
        public static final String EMBEDDED_DRIVER_PROP_NAME = "grid.aeron.embedded";

        /** Busy-spin the embedded driver's thread: for isolated cores only. */
        public static final String BUSY_SPIN_PROP_NAME = "grid.aeron.busy.spin";

        /**
         * The embedded driver runs in the node's (or client's) own thread instead of a thread of its own (true by
         * default; false gives it its own thread, e.g. to compare).
         */
        public static final String EMBEDDED_INVOKED_PROP_NAME = "grid.aeron.embedded.invoked";

        /** Term length of every publication; the largest message is an eighth of it. */
        public static final String TERM_LENGTH_PROP_NAME = "grid.aeron.term.length";
        public static final int TERM_LENGTH_DEFAULT = 1024 * 1024;

        /** Offers retried while back-pressured before a message is dropped (and counted). */
        public static final String OFFER_RETRIES_PROP_NAME = "grid.transport.offer.retries";
        public static final int OFFER_RETRIES_DEFAULT = 3;

        /** Clients a node keeps a response publication for at once. */
        public static final String MAX_CLIENTS_PROP_NAME = "grid.transport.max.clients";
        public static final int MAX_CLIENTS_DEFAULT = 256;

        private MemberEndpoints members = MemberEndpoints.parse(
            System.getProperty(MEMBERS_PROP_NAME, MEMBERS_DEFAULT));
        private int memberId = Integer.getInteger(MEMBER_ID_PROP_NAME, 0);
        private boolean ipc = Boolean.getBoolean(IPC_PROP_NAME);
        private String aeronDirectoryName = System.getProperty(AERON_DIR_PROP_NAME);
        private boolean embeddedDriver = Boolean.parseBoolean(System.getProperty(EMBEDDED_DRIVER_PROP_NAME, "true"));
        private boolean busySpin = Boolean.getBoolean(BUSY_SPIN_PROP_NAME);
        private boolean invokedDriver = Boolean.parseBoolean(System.getProperty(EMBEDDED_INVOKED_PROP_NAME, "true"));
        private int termLength = SystemUtil.getSizeAsInt(TERM_LENGTH_PROP_NAME, TERM_LENGTH_DEFAULT);
        private int offerRetries = Integer.getInteger(OFFER_RETRIES_PROP_NAME, OFFER_RETRIES_DEFAULT);
        private int maxClients = Integer.getInteger(MAX_CLIENTS_PROP_NAME, MAX_CLIENTS_DEFAULT);

        public Context conclude()
        {
            if (memberId < 0 || memberId >= members.count())
            {
                throw new IllegalArgumentException(MEMBER_ID_PROP_NAME + " " + memberId + " is not a member of " +
                    members);
            }
            if (termLength < 64 * 1024 || termLength > 1024 * 1024 * 1024 || Integer.bitCount(termLength) != 1)
            {
                throw new IllegalArgumentException(TERM_LENGTH_PROP_NAME + " " + termLength +
                    " must be a power of two from 64k to 1g");
            }
            if (offerRetries < 0 || maxClients < 1)
            {
                throw new IllegalArgumentException("offer retries must be >= 0 and max clients >= 1");
            }
            if (null == aeronDirectoryName)
            {
                aeronDirectoryName = CommonContext.getAeronDirectoryName() + "-grid-" + memberId;
            }
            return this;
        }

        /**
         * @return the longest message a publication of this term length carries.
         */
        public int maxMessageLength()
        {
            return termLength / 8;
        }

        public MemberEndpoints members()
        {
            return members;
        }

        public Context members(final MemberEndpoints members)
        {
            this.members = members;
            return this;
        }

        public int memberId()
        {
            return memberId;
        }

        public Context memberId(final int memberId)
        {
            this.memberId = memberId;
            return this;
        }

        public boolean ipc()
        {
            return ipc;
        }

        public Context ipc(final boolean ipc)
        {
            this.ipc = ipc;
            return this;
        }

        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        public Context aeronDirectoryName(final String aeronDirectoryName)
        {
            this.aeronDirectoryName = aeronDirectoryName;
            return this;
        }

        public boolean embeddedDriver()
        {
            return embeddedDriver;
        }

        public Context embeddedDriver(final boolean embeddedDriver)
        {
            this.embeddedDriver = embeddedDriver;
            return this;
        }

        public boolean busySpin()
        {
            return busySpin;
        }

        public Context busySpin(final boolean busySpin)
        {
            this.busySpin = busySpin;
            return this;
        }

        /**
         * @return true if an embedded driver runs in the owner's thread ({@link AeronTransport#invokeDriver()}).
         */
        public boolean invokedDriver()
        {
            return invokedDriver;
        }

        public Context invokedDriver(final boolean invokedDriver)
        {
            this.invokedDriver = invokedDriver;
            return this;
        }

        public int termLength()
        {
            return termLength;
        }

        public Context termLength(final int termLength)
        {
            this.termLength = termLength;
            return this;
        }

        public int offerRetries()
        {
            return offerRetries;
        }

        public Context offerRetries(final int offerRetries)
        {
            this.offerRetries = offerRetries;
            return this;
        }

        public int maxClients()
        {
            return maxClients;
        }

        public Context maxClients(final int maxClients)
        {
            this.maxClients = maxClients;
            return this;
        }
    }
}
