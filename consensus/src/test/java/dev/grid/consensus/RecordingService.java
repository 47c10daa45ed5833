package dev.grid.consensus;

import dev.grid.core.DeferredResponses;
import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateChecksum;
import dev.grid.core.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A test service that records what consensus tells it and answers late on request: command byte 'P' answers "P"
 * (pending) and remembers the request; command byte 'R' answers the remembered request "DONE" through
 * {@link DeferredResponses} and itself "R".
 */
final class RecordingService implements StateMachine
{
    final List<Long> closedSessions = new ArrayList<>();
    long logTimeCalls;
    long lastTimestamp;
    boolean timeWentBackwards;
    long applied;
    DeferredResponses deferred = DeferredResponses.NONE;
    private final int serviceId;
    private long pendingSession;
    private long pendingSequence;

    RecordingService(final int serviceId)
    {
        this.serviceId = serviceId;
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
        applied++;
        final byte op = command.getByte(offset);
        if (op == 'P')
        {
            pendingSession = sessionId;
            pendingSequence = requestSequence;
            response.putByte(responseOffset, (byte)'P');
            return 1;
        }
        if (op == 'R' && 0 != pendingSession)
        {
            final UnsafeBuffer done = new UnsafeBuffer("DONE".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            deferred.respond(serviceId, pendingSession, pendingSequence, done, 0, done.capacity());
            pendingSession = 0;
        }
        response.putByte(responseOffset, op);
        return 1;
    }

    public void onLogTime(final long index, final long timestamp)
    {
        logTimeCalls++;
        if (timestamp < lastTimestamp)
        {
            timeWentBackwards = true;
        }
        lastTimestamp = timestamp;
    }

    public void onSessionClosed(final long index, final long timestamp, final long sessionId)
    {
        closedSessions.add(sessionId);
    }

    public void snapshot(final SnapshotWriter writer)
    {
        final UnsafeBuffer state = new UnsafeBuffer(new byte[8]);
        state.putLong(0, applied);
        writer.write(state, 0, 8);
    }

    public void restore(final SnapshotReader reader)
    {
        final UnsafeBuffer state = new UnsafeBuffer(new byte[8]);
        reader.readFully(state, 0, 8);
        applied = state.getLong(0);
    }

    public long checksum()
    {
        return new StateChecksum().update(applied).value();
    }
}
