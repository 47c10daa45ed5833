package dev.grid.consensus.sim;

import dev.grid.core.SnapshotReader;
import dev.grid.core.SnapshotWriter;
import dev.grid.core.StateMachine;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Wraps a service so that the {@link SafetyChecker} sees every command it really applies (duplicates answered from
 * the session cache never reach it): the exactly-once check.
 */
final class CheckedStateMachine implements StateMachine
{
    private final StateMachine delegate;
    private final SafetyChecker checker;
    private final int serviceId;

    CheckedStateMachine(final StateMachine delegate, final SafetyChecker checker, final int serviceId)
    {
        this.delegate = delegate;
        this.checker = checker;
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
        if (0 != sessionId)
        {
            checker.onServiceApplied(serviceId, index, sessionId, requestSequence);
        }
        return delegate.apply(index, timestamp, sessionId, requestSequence, command, offset, length, response,
            responseOffset);
    }

    public void onLogTime(final long index, final long timestamp)
    {
        delegate.onLogTime(index, timestamp);
    }

    public void onSessionClosed(final long index, final long timestamp, final long sessionId)
    {
        delegate.onSessionClosed(index, timestamp, sessionId);
    }

    public void snapshot(final SnapshotWriter writer)
    {
        delegate.snapshot(writer);
    }

    public void restore(final SnapshotReader reader)
    {
        delegate.restore(reader);
    }

    public long checksum()
    {
        return delegate.checksum();
    }
}
