package dev.grid.log;

import dev.grid.core.LogEntryView;
import dev.grid.sbe.EntryType;
import org.agrona.DirectBuffer;

/**
 * The Raft log of one node: entries by Raft index, and the durable term and vote.
 * <p>
 * Entries occupy the indexes {@link #firstIndex()} to {@link #lastIndex()}. Below them sits the base: the entry at
 * {@code firstIndex() - 1} was compacted (or installed from a snapshot) and only its term is kept, so that
 * {@link #termAt(long)} answers for it as Raft's consistency check needs. A fresh log has base (0, 0).
 * <p>
 * Only the node's agent thread calls a log. Misuse (a gap in indexes, a term going down, reading a compacted index)
 * is refused with a {@link LogException} and changes nothing.
 */
public interface RaftLog extends AutoCloseable
{
    /** The vote of a node that has not voted in its current term. */
    int NO_VOTE = -1;

    /**
     * @return the first index that can be read; {@code lastIndex() + 1} when the log holds no entries.
     */
    long firstIndex();

    /**
     * @return the last index in the log, or the base index when it holds no entries.
     */
    long lastIndex();

    /**
     * @return the term of {@link #lastIndex()}.
     */
    long lastTerm();

    /**
     * @param index from {@code firstIndex() - 1} (the base) to {@link #lastIndex()}.
     * @return the term of the entry at index.
     * @throws LogException if the index was compacted or is past the end.
     */
    long termAt(long index);

    /**
     * Encodes and appends one entry.
     *
     * @param index must be {@code lastIndex() + 1}.
     * @param term  must not be lower than {@link #lastTerm()}.
     * @throws LogException for a gap, a lower term or a payload over the configured maximum entry length.
     */
    void append(
        long index,
        long term,
        long timestamp,
        EntryType entryType,
        int serviceId,
        long sessionId,
        long requestSequence,
        DirectBuffer payload,
        int payloadOffset,
        int payloadLength);

    /**
     * Appends encoded entries, back to back (as a leader sends them). All are verified first, structure and
     * checksum, indexes consecutive from {@code lastIndex() + 1}, terms not going down; if any is not, none is
     * appended.
     *
     * @param buffer holding the entries.
     * @param offset of the first entry.
     * @param length of all the entries together.
     * @return the number of entries appended.
     * @throws LogException if any entry is malformed or out of order.
     */
    int appendEntries(DirectBuffer buffer, int offset, int length);

    /**
     * Reads one entry without copying it.
     *
     * @param index from {@link #firstIndex()} to {@link #lastIndex()}.
     * @return a view of the entry owned by the log, valid until the next call on the log.
     * @throws LogException if the index was compacted or is past the end.
     */
    LogEntryView entry(long index);

    /**
     * Removes the entries from index to the end: an uncommitted suffix that conflicts with the leader's log.
     *
     * @param index from {@link #firstIndex()} to {@code lastIndex() + 1} (the latter removes nothing).
     * @throws LogException if the index is compacted or past {@code lastIndex() + 1}.
     */
    void truncateFrom(long index);

    /**
     * Drops the entries up to index, which a snapshot now covers; the entry at index becomes the base. Storage is
     * reclaimed in whole segments. Forced to disk before returning, whatever the sync policy.
     *
     * @param index from the current base to {@link #lastIndex()}.
     * @throws LogException if the index is below the base or past the end.
     */
    void compactTo(long index);

    /**
     * Discards every entry and restarts the log after (index, term), the last entry a newly installed snapshot
     * covers. The next append is {@code index + 1}. Forced to disk before returning, whatever the sync policy.
     *
     * @param index of the snapshot's last entry; not below the current base.
     * @param term  of that entry.
     */
    void reset(long index, long term);

    /**
     * Forces appended entries and markers to disk. With {@link SyncPolicy#BATCH} the caller calls it where it
     * chooses (for example once per duty cycle, before acknowledging); with {@link SyncPolicy#EVERY_APPEND} every
     * change is already forced; with {@link SyncPolicy#NONE} it does nothing.
     */
    void sync();

    /**
     * @return the policy the log was opened with.
     */
    SyncPolicy syncPolicy();

    /**
     * @return the last term stored by {@link #storeTermAndVote}.
     */
    long currentTerm();

    /**
     * @return the node voted for in {@link #currentTerm()}, or {@link #NO_VOTE}.
     */
    int votedFor();

    /**
     * Stores the term and vote and forces them to disk before returning, whatever the sync policy: a node must
     * never vote twice in a term, across crashes too.
     *
     * @param term     not lower than {@link #currentTerm()}.
     * @param votedFor a node id, or {@link #NO_VOTE}; within the same term a vote, once cast, cannot change.
     * @throws LogException for a lower term or a second, different vote in the same term.
     */
    void storeTermAndVote(long term, int votedFor);

    /**
     * Moves to a new term with no vote, forced to disk before returning.
     *
     * @param term higher than {@link #currentTerm()}, or equal (then nothing changes).
     */
    default void setTerm(final long term)
    {
        if (term != currentTerm())
        {
            storeTermAndVote(term, NO_VOTE);
        }
    }

    /**
     * Votes in the current term, forced to disk before returning.
     *
     * @param candidateId the node voted for.
     */
    default void setVote(final int candidateId)
    {
        storeTermAndVote(currentTerm(), candidateId);
    }

    /**
     * Releases files and memory. Unsynced entries may be lost if the machine then fails.
     */
    void close();
}
