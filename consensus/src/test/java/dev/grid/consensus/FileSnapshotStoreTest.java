package dev.grid.consensus;

import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileSnapshotStoreTest
{
    @TempDir
    Path directory;

    private static UnsafeBuffer bytes(final int length, final int seed)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(i, (byte)(i * 31 + seed));
        }
        return buffer;
    }

    @Test
    void snapshotSurvivesReopeningAndReadsBackExactly()
    {
        final UnsafeBuffer state = bytes(200_000, 3);
        final int checksum;
        try (FileSnapshotStore store = new FileSnapshotStore(directory))
        {
            assertThat(store.hasSnapshot()).isFalse();
            store.beginSnapshot(42, 5, 9_000).write(state, 0, state.capacity());
            store.commitSnapshot();
            checksum = store.checksum();
        }
        try (FileSnapshotStore reopened = new FileSnapshotStore(directory))
        {
            assertThat(reopened.hasSnapshot()).isTrue();
            assertThat(reopened.index()).isEqualTo(42);
            assertThat(reopened.term()).isEqualTo(5);
            assertThat(reopened.timestamp()).isEqualTo(9_000);
            assertThat(reopened.length()).isEqualTo(200_000);
            assertThat(reopened.checksum()).isEqualTo(checksum);
            final SnapshotReader reader = reopened.reader();
            final UnsafeBuffer read = new UnsafeBuffer(new byte[200_000]);
            reader.readFully(read, 0, 100_000);
            reader.readFully(read, 100_000, 100_000);
            assertThat(reader.remaining()).isZero();
            assertThat(read.compareTo(state)).isZero();
        }
    }

    @Test
    void installFromChunksReplacesTheSnapshotOnlyWhenTheChecksumMatches()
    {
        final UnsafeBuffer state = bytes(150_000, 7);
        try (FileSnapshotStore leader = new FileSnapshotStore(directory.resolve("leader"));
            FileSnapshotStore follower = new FileSnapshotStore(directory.resolve("follower")))
        {
            leader.beginSnapshot(100, 3, 1).write(state, 0, state.capacity());
            leader.commitSnapshot();
            follower.beginSnapshot(10, 1, 1).write(bytes(10, 1), 0, 10);
            follower.commitSnapshot();

            copy(leader, follower, 5);
            assertThat(follower.commitInstall()).as("a flipped byte").isFalse();
            assertThat(follower.index()).isEqualTo(10);

            copy(leader, follower, -1);
            assertThat(follower.commitInstall()).isTrue();
            assertThat(follower.index()).isEqualTo(100);
            assertThat(follower.checksum()).isEqualTo(leader.checksum());
        }
        try (FileSnapshotStore reopened = new FileSnapshotStore(directory.resolve("follower")))
        {
            assertThat(reopened.index()).isEqualTo(100);
            assertThat(reopened.length()).isEqualTo(150_000);
        }
    }

    private static void copy(final FileSnapshotStore from, final FileSnapshotStore to, final int corruptAt)
    {
        to.beginInstall(from.index(), from.term(), from.timestamp(), from.length(), from.checksum());
        final UnsafeBuffer chunk = new UnsafeBuffer(new byte[40_000]);
        for (long position = 0; position < from.length(); )
        {
            final int length = from.readChunk(position, chunk, 0, chunk.capacity());
            if (corruptAt >= position && corruptAt < position + length)
            {
                final int at = (int)(corruptAt - position);
                chunk.putByte(at, (byte)(chunk.getByte(at) ^ 0x10));
            }
            to.writeInstallChunk(chunk, 0, length);
            position += length;
        }
    }

    @Test
    void corruptedSnapshotFileIsRefusedOnOpen() throws Exception
    {
        try (FileSnapshotStore store = new FileSnapshotStore(directory))
        {
            store.beginSnapshot(1, 1, 1).write(bytes(1_000, 9), 0, 1_000);
            store.commitSnapshot();
        }
        final Path file = directory.resolve(FileSnapshotStore.CURRENT_FILE);
        final byte[] content = Files.readAllBytes(file);
        content[content.length - 3] ^= 1;
        Files.write(file, content, StandardOpenOption.TRUNCATE_EXISTING);
        assertThatThrownBy(() -> new FileSnapshotStore(directory)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("checksum");
    }
    @Test
    void aSnapshotWrittenInTheBackgroundBecomesCurrentOnlyWhenPolledAfterItIsDurable()
    {
        final UnsafeBuffer first = bytes(1_000, 1);
        final UnsafeBuffer second = bytes(3_000_000, 2);
        final int expectedChecksum;
        try (FileSnapshotStore synchronous = new FileSnapshotStore(directory.resolve("synchronous")))
        {
            synchronous.beginSnapshot(42, 5, 9_000).write(second, 0, second.capacity());
            synchronous.commitSnapshot();
            expectedChecksum = synchronous.checksum();
        }
        final Path backgroundDirectory = directory.resolve("background");
        try (FileSnapshotStore store = new FileSnapshotStore(backgroundDirectory, true))
        {
            store.beginSnapshot(10, 1, 100).write(first, 0, first.capacity());
            store.commitSnapshot();
            store.awaitPending();
            assertThat(store.index()).isEqualTo(10);

            store.reserve(second.capacity());
            final SnapshotWriter writer = store.beginSnapshot(42, 5, 9_000);
            writer.write(second, 0, 1_000_000);
            writer.write(second, 1_000_000, 2_000_000);
            store.commitSnapshot();
            assertThat(store.snapshotPending()).isTrue();
            assertThat(store.index()).as("still the durable one").isEqualTo(10);
            assertThat(readAll(store).compareTo(first)).isZero();
            assertThatThrownBy(() -> store.beginSnapshot(50, 5, 9_100)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("still being written");

            final long deadline = System.nanoTime() + 30_000_000_000L;
            int polled = 0;
            while (polled == 0 && System.nanoTime() < deadline)
            {
                polled = store.poll();
            }
            assertThat(polled).isEqualTo(1);
            assertThat(store.snapshotPending()).isFalse();
            assertThat(store.poll()).isZero();
            assertThat(store.index()).isEqualTo(42);
            assertThat(store.term()).isEqualTo(5);
            assertThat(store.timestamp()).isEqualTo(9_000);
            assertThat(store.checksum()).isEqualTo(expectedChecksum);
            assertThat(readAll(store).compareTo(second)).isZero();
        }
        try (FileSnapshotStore reopened = new FileSnapshotStore(backgroundDirectory))
        {
            assertThat(reopened.index()).isEqualTo(42);
            assertThat(reopened.checksum()).isEqualTo(expectedChecksum);
            assertThat(readAll(reopened).compareTo(second)).isZero();
        }
    }

    @Test
    void anInstallWaitsForTheOwnSnapshotBeingWrittenSoTheInstalledOneStaysCurrent()
    {
        final UnsafeBuffer state = bytes(150_000, 7);
        final Path followerDirectory = directory.resolve("follower");
        try (FileSnapshotStore leader = new FileSnapshotStore(directory.resolve("leader"));
            FileSnapshotStore follower = new FileSnapshotStore(followerDirectory, true))
        {
            leader.beginSnapshot(100, 3, 1).write(state, 0, state.capacity());
            leader.commitSnapshot();
            follower.beginSnapshot(10, 1, 1).write(bytes(4_000_000, 1), 0, 4_000_000);
            follower.commitSnapshot();

            copy(leader, follower, -1);
            assertThat(follower.commitInstall()).isTrue();
            assertThat(follower.snapshotPending()).isFalse();
            assertThat(follower.index()).isEqualTo(100);
        }
        try (FileSnapshotStore reopened = new FileSnapshotStore(followerDirectory))
        {
            assertThat(reopened.index()).isEqualTo(100);
            assertThat(readAll(reopened).compareTo(state)).isZero();
        }
    }

    @Test
    void aBackgroundWriteThatFailsIsReportedAndTheDurableSnapshotStaysCurrent() throws Exception
    {
        final UnsafeBuffer first = bytes(1_000, 1);
        final Path storeDirectory = directory.resolve("store");
        try (FileSnapshotStore store = new FileSnapshotStore(storeDirectory, true))
        {
            store.beginSnapshot(10, 1, 100).write(first, 0, first.capacity());
            store.commitSnapshot();
            store.awaitPending();
            // The current file stays readable through its open channel; the next one cannot be created.
            Files.delete(storeDirectory.resolve(FileSnapshotStore.CURRENT_FILE));
            Files.delete(storeDirectory);

            store.beginSnapshot(20, 1, 200).write(bytes(1_000, 2), 0, 1_000);
            store.commitSnapshot();
            assertThatThrownBy(store::awaitPending).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot at 20 was not written");

            assertThat(store.snapshotPending()).isFalse();
            assertThat(store.index()).isEqualTo(10);
            assertThat(readAll(store).compareTo(first)).isZero();
        }
    }

    private static UnsafeBuffer readAll(final FileSnapshotStore store)
    {
        final UnsafeBuffer read = new UnsafeBuffer(new byte[(int)store.length()]);
        store.reader().readFully(read, 0, read.capacity());
        return read;
    }
}
