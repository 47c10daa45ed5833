package dev.grid.consensus;

import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Where a node keeps its latest snapshot: the state of its state machines and session table at one applied index.
 * A committed snapshot is durable: it survives a crash of the node. Two more slots sit beside it, written while it
 * stays readable: the node's next own snapshot, and one arriving in chunks from the leader.
 */
public interface SnapshotStore
{
    /**
     * @return true if a snapshot was committed.
     */
    boolean hasSnapshot();

    /**
     * @return the last log index the current snapshot covers, 0 if none.
     */
    long index();

    /**
     * @return the term of that index.
     */
    long term();

    /**
     * @return the leader timestamp of that index.
     */
    long timestamp();

    /**
     * @return the length in bytes of the current snapshot.
     */
    long length();

    /**
     * @return the CRC-32C of the current snapshot's bytes, sent with it so a follower can check what it received.
     */
    int checksum();

    /**
     * Starts the node's own next snapshot; the current one stays readable until {@link #commitSnapshot()}.
     *
     * @return the writer for it.
     */
    SnapshotWriter beginSnapshot(long index, long term, long timestamp);

    /**
     * Makes the snapshot begun by {@link #beginSnapshot} the current one, durably.
     */
    void commitSnapshot();

    /**
     * @return true while the snapshot committed last is still being made durable by a store that writes in the
     * background; until {@link #poll()} makes it current, the current snapshot is the one before it.
     */
    default boolean snapshotPending()
    {
        return false;
    }

    /**
     * Makes a snapshot written in the background current once it is durable. Called by the node's thread.
     *
     * @return 1 if one became current, else 0.
     * @throws IllegalStateException if writing it failed; the store then has no pending snapshot.
     */
    default int poll()
    {
        return 0;
    }

    /**
     * @return a reader over the current snapshot from its start.
     */
    SnapshotReader reader();

    /**
     * Copies part of the current snapshot, for a chunk on its way to a follower.
     *
     * @return the bytes copied.
     */
    int readChunk(long position, MutableDirectBuffer destination, int destinationOffset, int maxLength);

    /**
     * Starts receiving a snapshot from the leader, discarding any partial one.
     *
     * @param checksum the CRC-32C the whole snapshot must have.
     */
    void beginInstall(long index, long term, long timestamp, long totalLength, int checksum);

    /**
     * @return the index of the snapshot being received, -1 if none.
     */
    long installIndex();

    /**
     * @return the term of the snapshot being received.
     */
    long installTerm();

    /**
     * @return the bytes of it received so far.
     */
    long installedLength();

    /**
     * @return the length it will have.
     */
    long installTotalLength();

    /**
     * @return the CRC-32C it must have.
     */
    int installChecksum();

    /**
     * Appends a chunk to the snapshot being received.
     */
    void writeInstallChunk(DirectBuffer source, int offset, int length);

    /**
     * Makes the received snapshot the current one, durably, if its bytes have the checksum the leader sent; if not,
     * drops it and keeps the current one.
     *
     * @return true if installed.
     */
    boolean commitInstall();

    /**
     * Drops a partly received snapshot.
     */
    void abortInstall();
}
