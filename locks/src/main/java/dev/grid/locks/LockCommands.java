package dev.grid.locks;

import dev.grid.sbe.LockAcquireEncoder;
import dev.grid.sbe.LockQueryEncoder;
import dev.grid.sbe.LockReleaseEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes the lock commands a client sends (the {@code command} of a {@code CommandRequest} for the lock service).
 * Holds its encoders, so an instance is for one thread; encoding allocates nothing.
 */
public final class LockCommands
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final LockAcquireEncoder acquireEncoder = new LockAcquireEncoder();
    private final LockReleaseEncoder releaseEncoder = new LockReleaseEncoder();
    private final LockQueryEncoder queryEncoder = new LockQueryEncoder();

    /**
     * {@code lock} ({@code waitTimeout} {@link LockTable#WAIT_FOREVER}) or {@code tryLock} (0: answer at once;
     * above 0: wait up to that many nanoseconds of log time).
     *
     * @param buffer       to encode into.
     * @param offset       where the command starts.
     * @param name         buffer holding the lock's name (US-ASCII).
     * @param nameOffset   of the name.
     * @param nameLength   of the name.
     * @param ownerId      the owner inside the session, e.g. a thread id.
     * @param waitTimeout  -1, 0, or nanoseconds of log time.
     * @param heldToken    the token the owner believes it holds already (a reentrant acquire), or 0.
     * @param acquireLimit most holds the owner may stack (1: not reentrant), 0 for the table's default.
     * @return the encoded length.
     */
    public int acquire(
        final MutableDirectBuffer buffer,
        final int offset,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength,
        final long ownerId,
        final long waitTimeout,
        final long heldToken,
        final int acquireLimit)
    {
        acquireEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .ownerId(ownerId)
            .waitTimeout(waitTimeout)
            .heldToken(heldToken)
            .acquireLimit(acquireLimit)
            .putLockName(name, nameOffset, nameLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + acquireEncoder.encodedLength();
    }

    /**
     * {@code unlock}: drops one hold.
     *
     * @param buffer     to encode into.
     * @param offset     where the command starts.
     * @param name       buffer holding the lock's name.
     * @param nameOffset of the name.
     * @param nameLength of the name.
     * @param ownerId    the owner inside the session.
     * @param heldToken  the token the owner believes it holds, or 0 to skip that check.
     * @return the encoded length.
     */
    public int release(
        final MutableDirectBuffer buffer,
        final int offset,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength,
        final long ownerId,
        final long heldToken)
    {
        releaseEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .ownerId(ownerId)
            .heldToken(heldToken)
            .putLockName(name, nameOffset, nameLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + releaseEncoder.encodedLength();
    }

    /**
     * A linearizable read of the lock: held or not, holder, hold count, token, queue length.
     *
     * @param buffer     to encode into.
     * @param offset     where the command starts.
     * @param name       buffer holding the lock's name.
     * @param nameOffset of the name.
     * @param nameLength of the name.
     * @return the encoded length.
     */
    public int query(
        final MutableDirectBuffer buffer,
        final int offset,
        final DirectBuffer name,
        final int nameOffset,
        final int nameLength)
    {
        queryEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).putLockName(name, nameOffset, nameLength);
        return MessageHeaderEncoder.ENCODED_LENGTH + queryEncoder.encodedLength();
    }
}
