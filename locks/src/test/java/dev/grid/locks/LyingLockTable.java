package dev.grid.locks;

import dev.grid.core.DeferredResponses;
import dev.grid.core.Fences;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateMachine;
import dev.grid.sbe.LockAcquireDecoder;
import dev.grid.sbe.LockReleaseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A lock service with a planted bug, to prove the simulation's checks can fail: it wraps a real {@link LockTable}
 * and tells its clients (and the fenced resource) what a table with that bug would. Test-only.
 */
final class LyingLockTable implements StateMachine, Fences
{
    enum Bug
    {
        /** A release frees the lock instead of handing it to the first waiter. */
        RELEASE_WITHOUT_HAND_OFF,
        /** Every grant of a lock reuses the lock's first token. */
        REUSE_TOKEN,
        /** A request that should queue is granted at once. */
        GRANT_WHILE_HELD,
        /** The fence accepts any token up to the current one, not only the current one. */
        FENCE_ACCEPTS_OLDER_TOKENS
    }

    private record Late(long sessionId, long requestSequence, Answer answer)
    {
    }

    private final Bug bug;
    private final LockTable table;
    private final DeferredResponses downstream;
    private final int serviceId;
    private final List<Late> late = new ArrayList<>();
    private final Map<String, Long> firstToken = new HashMap<>();
    private final Map<String, String> pendingLock = new HashMap<>();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[LockResponses.LENGTH]);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final LockAcquireDecoder acquire = new LockAcquireDecoder();
    private final LockReleaseDecoder release = new LockReleaseDecoder();

    LyingLockTable(final Bug bug, final LockTableContext context, final DeferredResponses downstream)
    {
        this.bug = bug;
        this.downstream = downstream;
        this.serviceId = context.serviceId();
        table = new LockTable(context.deferredResponses((service, sessionId, requestSequence, buffer, offset, length) ->
            late.add(new Late(sessionId, requestSequence, Answer.decode(buffer, offset, length)))));
    }

    public int apply(
        final long index,
        final long timestamp,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer command,
        final int offset,
        final int length,
        final MutableDirectBuffer response,
        final int responseOffset)
    {
        final int responseLength = table.apply(
            index, timestamp, sessionId, requestSequence, command, offset, length, response, responseOffset);
        Answer answer = Answer.decode(response, responseOffset, responseLength);
        header.wrap(command, offset);
        final int body = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        String name = null;
        long ownerId = 0;
        boolean isRelease = false;
        if (header.templateId() == LockAcquireDecoder.TEMPLATE_ID)
        {
            acquire.wrap(command, body, header.blockLength(), header.version());
            ownerId = acquire.ownerId();
            acquire.waitTimeout();
            acquire.heldToken();
            acquire.acquireLimit();
            name = acquire.lockName();
        }
        else if (header.templateId() == LockReleaseDecoder.TEMPLATE_ID)
        {
            release.wrap(command, body, header.blockLength(), header.version());
            release.ownerId();
            release.heldToken();
            name = release.lockName();
            isRelease = true;
        }

        if (Status.PENDING == answer.status())
        {
            pendingLock.put(sessionId + "/" + requestSequence, name);
            if (Bug.GRANT_WHILE_HELD == bug)
            {
                answer = new Answer(Status.OK, index, index, sessionId, ownerId, 1, 0);
            }
        }
        if (Status.OK == answer.status() && null != name && !isRelease && answer.token() == index)
        {
            answer = reuseToken(name, answer);
        }
        if (isRelease && Status.OK == answer.status() && Bug.RELEASE_WITHOUT_HAND_OFF == bug &&
            answer.token() == index)
        {
            answer = Answer.free(Status.OK, index);
        }
        flushLate(index);
        return encode(answer, response, responseOffset);
    }

    public void onLogTime(final long index, final long timestamp)
    {
        table.onLogTime(index, timestamp);
        flushLate(index);
    }

    public void onSessionClosed(final long index, final long timestamp, final long sessionId)
    {
        table.onSessionClosed(index, timestamp, sessionId);
        flushLate(index);
    }

    public boolean isCurrentToken(final DirectBuffer lockName, final int offset, final int length, final long token)
    {
        if (Bug.FENCE_ACCEPTS_OLDER_TOKENS == bug)
        {
            return token > 0 && token <= table.currentToken(lockName, offset, length);
        }
        return table.isCurrentToken(lockName, offset, length, token);
    }

    public void snapshot(final SnapshotWriter writer)
    {
        table.snapshot(writer);
    }

    public void restore(final SnapshotReader reader)
    {
        table.restore(reader);
    }

    public long checksum()
    {
        return table.checksum();
    }

    private void flushLate(final long index)
    {
        for (final Late answer : late)
        {
            final String name = pendingLock.remove(answer.sessionId() + "/" + answer.requestSequence());
            Answer told = answer.answer();
            if (Status.OK == told.status())
            {
                if (Bug.RELEASE_WITHOUT_HAND_OFF == bug)
                {
                    continue;
                }
                told = reuseToken(name, told);
            }
            final int length = encode(told, scratch, 0);
            downstream.respond(serviceId, answer.sessionId(), answer.requestSequence(), scratch, 0, length);
        }
        late.clear();
    }

    private Answer reuseToken(final String name, final Answer answer)
    {
        if (Bug.REUSE_TOKEN != bug || null == name)
        {
            return answer;
        }
        final long token = firstToken.computeIfAbsent(name, n -> answer.token());
        return new Answer(answer.status(), answer.logIndex(), token, answer.holderSessionId(),
            answer.holderOwnerId(), answer.holdCount(), answer.waiterCount());
    }

    private static int encode(final Answer answer, final MutableDirectBuffer buffer, final int offset)
    {
        return LockResponses.encode(buffer, offset, answer.status(), answer.logIndex(), answer.token(),
            answer.holderSessionId(), answer.holderOwnerId(), answer.holdCount(), answer.waiterCount());
    }
}
