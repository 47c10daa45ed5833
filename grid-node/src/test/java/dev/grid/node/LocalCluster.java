package dev.grid.node;

import dev.grid.client.GridClient;
import dev.grid.transport.AeronTransport;
import dev.grid.transport.EmbeddedDriver;
import dev.grid.transport.MemberEndpoints;
import io.aeron.CommonContext;
import org.agrona.CloseHelper;

import java.nio.file.Path;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Nodes of one cluster inside the test's process, over IPC through one shared media driver.
 */
final class LocalCluster implements AutoCloseable
{
    final EmbeddedDriver driver;
    final MemberEndpoints members;
    final GridNode[] nodes;
    private final Path directory;

    private final Consumer<GridNode.Context> configurer;

    LocalCluster(final int size, final Path directory)
    {
        this(size, directory, ctx -> {});
    }

    LocalCluster(final int size, final Path directory, final Consumer<GridNode.Context> configurer)
    {
        this.directory = directory;
        this.configurer = configurer;
        driver = EmbeddedDriver.launch(CommonContext.getAeronDirectoryName() + "-test-" + UUID.randomUUID(), false);
        members = MemberEndpoints.local(size, "localhost", 1, 2);
        nodes = new GridNode[size];
        for (int i = 0; i < size; i++)
        {
            start(i);
        }
    }

    GridNode start(final int memberId)
    {
        final GridNode.Context ctx = new GridNode.Context()
            .directory(directory.resolve("node-" + memberId))
            .transport(transport().memberId(memberId));
        configurer.accept(ctx);
        nodes[memberId] = GridNode.launch(ctx);
        return nodes[memberId];
    }

    void stop(final int memberId)
    {
        CloseHelper.close(nodes[memberId]);
        nodes[memberId] = null;
    }

    AeronTransport.Context transport()
    {
        return new AeronTransport.Context()
            .members(members)
            .ipc(true)
            .embeddedDriver(false)
            .aeronDirectoryName(driver.aeronDirectoryName());
    }

    GridClient client()
    {
        return GridClient.connect(new GridClient.Context().transport(transport()));
    }

    public void close()
    {
        for (final GridNode node : nodes)
        {
            CloseHelper.quietClose(node);
        }
        CloseHelper.quietClose(driver);
    }
}
