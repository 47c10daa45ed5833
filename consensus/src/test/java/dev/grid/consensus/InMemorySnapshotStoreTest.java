package dev.grid.consensus;

import dev.grid.core.GridException;
import dev.grid.core.SnapshotReader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemorySnapshotStoreTest
{
    private static InMemorySnapshotStore storeWith(final String content)
    {
        final InMemorySnapshotStore store = new InMemorySnapshotStore();
        final UnsafeBuffer bytes = new UnsafeBuffer(content.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        store.beginSnapshot(10, 2, 1_000).write(bytes, 0, bytes.capacity());
        store.commitSnapshot();
        return store;
    }

    private static void transfer(final InMemorySnapshotStore from, final InMemorySnapshotStore to, final int chunk,
        final int corruptAt)
    {
        to.beginInstall(from.index(), from.term(), from.timestamp(), from.length(), from.checksum());
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[chunk]);
        for (long position = 0; position < from.length(); )
        {
            final int length = from.readChunk(position, buffer, 0, chunk);
            if (corruptAt >= position && corruptAt < position + length)
            {
                buffer.putByte((int)(corruptAt - position), (byte)(buffer.getByte((int)(corruptAt - position)) ^ 1));
            }
            to.writeInstallChunk(buffer, 0, length);
            position += length;
        }
    }

    @Test
    void snapshotSentInChunksIsInstalledWhenItsChecksumMatches()
    {
        final InMemorySnapshotStore leader = storeWith("the state of every service at index ten");
        final InMemorySnapshotStore follower = storeWith("older state");
        transfer(leader, follower, 7, -1);
        assertThat(follower.installedLength()).isEqualTo(leader.length());
        assertThat(follower.commitInstall()).isTrue();
        assertThat(follower.index()).isEqualTo(10);
        assertThat(follower.term()).isEqualTo(2);
        assertThat(follower.timestamp()).isEqualTo(1_000);
        assertThat(follower.checksum()).isEqualTo(leader.checksum());
        final SnapshotReader reader = follower.reader();
        final UnsafeBuffer read = new UnsafeBuffer(new byte[(int)reader.remaining()]);
        reader.readFully(read, 0, read.capacity());
        assertThat(read.getStringWithoutLengthAscii(0, read.capacity()))
            .isEqualTo("the state of every service at index ten");
        assertThatThrownBy(() -> reader.readFully(read, 0, 1)).isInstanceOf(GridException.class);
    }

    @Test
    void corruptedTransferIsRefusedAndTheCurrentSnapshotKept()
    {
        final InMemorySnapshotStore leader = storeWith("the state of every service at index ten");
        final InMemorySnapshotStore follower = storeWith("older state");
        final int before = follower.checksum();
        transfer(leader, follower, 7, 12);
        assertThat(follower.commitInstall()).isFalse();
        assertThat(follower.checksum()).isEqualTo(before);
        assertThat(follower.length()).isEqualTo("older state".length());
        assertThat(follower.installIndex()).as("the partial install is dropped").isEqualTo(-1);
    }

    @Test
    void currentSnapshotStaysReadableWhileTheNextIsWritten()
    {
        final InMemorySnapshotStore store = storeWith("first");
        final UnsafeBuffer next = new UnsafeBuffer("second".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        store.beginSnapshot(20, 3, 2_000).write(next, 0, next.capacity());
        final UnsafeBuffer chunk = new UnsafeBuffer(new byte[16]);
        assertThat(store.readChunk(0, chunk, 0, 16)).isEqualTo(5);
        assertThat(chunk.getStringWithoutLengthAscii(0, 5)).isEqualTo("first");
        store.commitSnapshot();
        assertThat(store.index()).isEqualTo(20);
        assertThat(store.readChunk(0, chunk, 0, 16)).isEqualTo(6);
    }
}
