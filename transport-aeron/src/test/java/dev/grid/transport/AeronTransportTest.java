package dev.grid.transport;

import io.aeron.CommonContext;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class AeronTransportTest
{
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll()
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(closeables.get(i));
        }
    }

    private static String uniqueAeronDir()
    {
        return CommonContext.getAeronDirectoryName() + "-test-" + UUID.randomUUID();
    }

    private <T extends AutoCloseable> T closeLater(final T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    private static final class Inbox implements FragmentHandler
    {
        final List<byte[]> messages = new ArrayList<>();

        public void onFragment(final DirectBuffer buffer, final int offset, final int length,
            final io.aeron.logbuffer.Header header)
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            messages.add(bytes);
        }
    }

    private static UnsafeBuffer message(final int length, final int seed)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(seed + i * 13));
        }
        return buffer;
    }

    private static void awaitTrue(final BooleanSupplier condition, final Runnable poll)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("condition not met within 10 s");
            }
            poll.run();
            Thread.yield();
        }
    }

    @Test
    void peersExchangeMessagesOverIpcIncludingOnesLongerThanTheMtu()
    {
        final EmbeddedDriver driver = closeLater(EmbeddedDriver.launch(uniqueAeronDir(), false));
        final MemberEndpoints members = MemberEndpoints.local(3, "localhost", 1, 2);
        final Inbox[] inboxes = { new Inbox(), new Inbox(), new Inbox() };
        final AeronTransport[] nodes = new AeronTransport[3];
        for (int i = 0; i < 3; i++)
        {
            nodes[i] = closeLater(AeronTransport.launch(new AeronTransport.Context()
                .members(members).memberId(i).ipc(true).embeddedDriver(false)
                .aeronDirectoryName(driver.aeronDirectoryName()), inboxes[i], (b, o, l, h) -> { }));
        }
        final UnsafeBuffer small = message(100, 1);
        final UnsafeBuffer large = message(100_000, 2);

        awaitTrue(() -> nodes[0].sendToPeer(1, small, 0, 100), () -> { });
        awaitTrue(() -> nodes[0].sendToPeer(2, large, 0, 100_000), () -> { });
        awaitTrue(() -> nodes[2].sendToPeer(0, small, 0, 100), () -> { });
        awaitTrue(() -> inboxes[1].messages.size() == 1 && inboxes[2].messages.size() == 1 &&
            inboxes[0].messages.size() == 1, () ->
            {
                for (final AeronTransport node : nodes)
                {
                    node.pollPeers(10);
                }
            });

        assertThat(inboxes[1].messages.get(0)).isEqualTo(small.byteArray());
        assertThat(inboxes[2].messages.get(0)).isEqualTo(large.byteArray());
        assertThat(inboxes[0].messages.get(0)).isEqualTo(small.byteArray());
        assertThat(nodes[2].peerCounters().received()).isEqualTo(1);
        assertThat(nodes[0].peerCounters().sent()).isEqualTo(2);
    }

    @Test
    void peersExchangeMessagesOverUdpBetweenTwoDriversRunInTheirOwnersThreads() throws Exception
    {
        exchangeOverUdp(true);
    }

    @Test
    void peersExchangeMessagesOverUdpBetweenTwoDriversWithThreadsOfTheirOwn() throws Exception
    {
        exchangeOverUdp(false);
    }

    private void exchangeOverUdp(final boolean invokedDrivers) throws Exception
    {
        final MemberEndpoints members = MemberEndpoints.parse(
            "0=localhost:" + freePort() + ":" + freePort() + ",1=localhost:" + freePort() + ":" + freePort());
        final Inbox inbox = new Inbox();
        final AeronTransport zero = closeLater(AeronTransport.launch(new AeronTransport.Context()
            .members(members).memberId(0).aeronDirectoryName(uniqueAeronDir()).invokedDriver(invokedDrivers),
            (b, o, l, h) -> { }, (b, o, l, h) -> { }));
        final AeronTransport one = closeLater(AeronTransport.launch(new AeronTransport.Context()
            .members(members).memberId(1).aeronDirectoryName(uniqueAeronDir()).invokedDriver(invokedDrivers),
            inbox, (b, o, l, h) -> { }));
        final UnsafeBuffer payload = message(5_000, 3);
        final Runnable drivers = () ->
        {
            final int work = zero.invokeDriver() + one.invokeDriver();
            if (!invokedDrivers)
            {
                assertThat(work).as("a driver with its own thread is not invoked").isZero();
            }
        };

        awaitTrue(() -> zero.sendToPeer(1, payload, 0, 5_000), drivers);
        awaitTrue(() -> !inbox.messages.isEmpty(), () ->
        {
            drivers.run();
            one.pollPeers(10);
        });

        assertThat(inbox.messages.get(0)).isEqualTo(payload.byteArray());
    }

    @Test
    void clientRequestsReachTheNodeAndResponsesComeBackOnTheClientsChannel()
    {
        final EmbeddedDriver driver = closeLater(EmbeddedDriver.launch(uniqueAeronDir(), false));
        final MemberEndpoints members = MemberEndpoints.local(1, "localhost", 1, 2);
        final Inbox requests = new Inbox();
        final Inbox responses = new Inbox();
        final AeronTransport node = closeLater(AeronTransport.launch(new AeronTransport.Context()
            .members(members).memberId(0).ipc(true).embeddedDriver(false)
            .aeronDirectoryName(driver.aeronDirectoryName()), (b, o, l, h) -> { }, requests));
        final ClientTransport client = closeLater(ClientTransport.launch(new AeronTransport.Context()
            .members(members).ipc(true).embeddedDriver(false).aeronDirectoryName(driver.aeronDirectoryName()),
            "localhost", responses));

        final UnsafeBuffer request = message(64, 4);
        awaitTrue(() -> client.sendToMember(0, request, 0, 64), () -> { });
        awaitTrue(() -> !requests.messages.isEmpty(), () -> node.pollIngress(10));
        final int slot = node.openEgress(client.responseChannel(), client.responseStreamId());
        final UnsafeBuffer response = message(32, 5);
        awaitTrue(() -> node.sendToClient(slot, response, 0, 32), () -> { });
        awaitTrue(() -> !responses.messages.isEmpty(), () -> client.pollResponses(10));

        assertThat(requests.messages.get(0)).isEqualTo(request.byteArray());
        assertThat(responses.messages.get(0)).isEqualTo(response.byteArray());
        assertThat(node.clientCounters().received()).isEqualTo(1);
        assertThat(client.counters().received()).isEqualTo(1);
    }

    @Test
    void aMessageToAnAbsentPeerIsDroppedAndCounted()
    {
        final EmbeddedDriver driver = closeLater(EmbeddedDriver.launch(uniqueAeronDir(), false));
        final AeronTransport lonely = closeLater(AeronTransport.launch(new AeronTransport.Context()
            .members(MemberEndpoints.local(2, "localhost", 1, 2)).memberId(0).ipc(true).embeddedDriver(false)
            .aeronDirectoryName(driver.aeronDirectoryName()), (b, o, l, h) -> { }, (b, o, l, h) -> { }));

        assertThat(lonely.sendToPeer(1, message(10, 6), 0, 10)).isFalse();
        assertThat(lonely.peerCounters().droppedNotConnected()).isEqualTo(1);
        assertThat(lonely.peerCounters().sent()).isZero();
    }

    @Test
    void aPeerThatDoesNotReadBackPressuresAndTheDropsAreCountedAfterBoundedRetries()
    {
        final EmbeddedDriver driver = closeLater(EmbeddedDriver.launch(uniqueAeronDir(), false));
        final MemberEndpoints members = MemberEndpoints.local(2, "localhost", 1, 2);
        final AeronTransport sender = closeLater(AeronTransport.launch(new AeronTransport.Context()
            .members(members).memberId(0).ipc(true).embeddedDriver(false).termLength(64 * 1024).offerRetries(2)
            .aeronDirectoryName(driver.aeronDirectoryName()), (b, o, l, h) -> { }, (b, o, l, h) -> { }));
        closeLater(AeronTransport.launch(new AeronTransport.Context()
            .members(members).memberId(1).ipc(true).embeddedDriver(false).termLength(64 * 1024)
            .aeronDirectoryName(driver.aeronDirectoryName()), (b, o, l, h) -> { }, (b, o, l, h) -> { }));
        final UnsafeBuffer payload = message(4_000, 7);
        awaitTrue(() -> sender.sendToPeer(1, payload, 0, 4_000), () -> { });

        int published = 1;
        while (sender.sendToPeer(1, payload, 0, 4_000))
        {
            published++;
            assertThat(published).as("the unread peer must push back").isLessThan(10_000);
        }

        final TransportCounters counters = sender.peerCounters();
        assertThat(counters.sent()).isEqualTo(published);
        assertThat(counters.droppedBackPressure()).isEqualTo(1);
        assertThat(counters.offerRetries()).isEqualTo(2);
    }

    @Test
    void badSettingsAreRefusedWithTheReason()
    {
        assertThatThrownBy(() -> MemberEndpoints.parse("0=localhost:1:2,0=localhost:3:4"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
        assertThatThrownBy(() -> MemberEndpoints.parse("0=localhost:1"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id=host:peerPort:clientPort");
        assertThatThrownBy(() -> MemberEndpoints.parse("0=localhost:1:99999"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 1..65535");
        assertThatThrownBy(() -> MemberEndpoints.parse("3=localhost:1:2"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 0..0");
        assertThatThrownBy(() -> new AeronTransport.Context().members(MemberEndpoints.local(3, "h", 1, 2))
            .memberId(3).conclude()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a member");
        assertThatThrownBy(() -> new AeronTransport.Context().termLength(100_000).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThat(MemberEndpoints.parse(" 1=b:3:4 , 0=a:1:2 ").toString()).isEqualTo("0=a:1:2,1=b:3:4");
    }

    @Test
    void freeLoopbackPortsAreDistinctAndBindable() throws Exception
    {
        final int[] ports = MemberEndpoints.freeLoopbackUdpPorts(6);
        assertThat(ports).hasSize(6).doesNotHaveDuplicates();
        final int[] ephemeral = MemberEndpoints.ephemeralPortRange();
        for (final int port : ports)
        {
            assertThat(port).isBetween(MemberEndpoints.LOWEST_CHOSEN_PORT, 65535);
            assertThat(port < ephemeral[0] || port > ephemeral[1])
                .as("%d outside the ephemeral range, where any socket bound to port 0 could take it", port).isTrue();
            try (DatagramSocket socket = new DatagramSocket(port, java.net.InetAddress.getLoopbackAddress()))
            {
                assertThat(socket.getLocalPort()).isEqualTo(port);
            }
        }
        final MemberEndpoints members = MemberEndpoints.freeLoopback(3);
        assertThat(members.count()).isEqualTo(3);
        assertThat(java.util.stream.IntStream.range(0, 3)
            .mapToObj(i -> List.of(members.peerEndpoint(i), members.clientEndpoint(i)))
            .flatMap(List::stream)).doesNotHaveDuplicates().allMatch(endpoint -> endpoint.startsWith("localhost:"));
    }

    @Test
    void readsTheEphemeralPortRange()
    {
        assertThat(MemberEndpoints.parsePortRange("32768\t60999\n")).containsExactly(32768, 60999);
        assertThatThrownBy(() -> MemberEndpoints.parsePortRange("32768")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not a port range");
        assertThatThrownBy(() -> MemberEndpoints.parsePortRange("60999 32768"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a port range");
        assertThatThrownBy(() -> MemberEndpoints.parsePortRange("1 70000")).isInstanceOf(IllegalArgumentException.class);
        final int[] range = MemberEndpoints.ephemeralPortRange();
        assertThat(range[0]).isPositive().isLessThanOrEqualTo(range[1]);
        assertThat(range[1]).isLessThanOrEqualTo(65535);
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
