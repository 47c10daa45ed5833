package dev.grid.consensus.sim;

import dev.grid.core.StateMachine;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A simulated client of the register service. It opens a session, then runs one operation at a time: write,
 * compare-and-set, a read through the log, or a linearizable ReadIndex read. An attempt that gets no answer in time
 * is retried at another node with the same session sequence, so the cluster must apply it exactly once; a refusal
 * names the leader to try next. Every operation goes into the shared history with its call and return times; one
 * whose outcome can no longer be learned (its session expired) stays open, returning at infinity.
 */
public final class RegisterClient implements SimClient
{
    private static final int SERVICE_ID = RegisterSimulation.REGISTER_SERVICE_ID;

    private static final int TRACE_CLIENT = Integer.getInteger("grid.sim.traceClient", -1);

    private final int clientId;
    private final List<LinearizabilityChecker.Operation> history;
    private final UnsafeBuffer commandBuffer = new UnsafeBuffer(new byte[RegisterCommands.COMMAND_LENGTH]);
    private SimulatedCluster cluster;
    private RandomGenerator random;
    private int registers;
    private long sessionId;
    private long nextSequence = 1;
    private long correlationCounter;
    private long openCorrelationId = -1;
    private long openPhaseFirstCorrelationId = -1;
    private int target;
    private long timerToken;
    private LinearizabilityChecker.Operation current;
    private boolean readIndexRead;
    private long currentSequence;
    private long currentReadCorrelationId = -1;
    private byte[] currentCommand;
    private long lastCompletedNs = -1;
    private int completed;
    private long retries;
    private boolean attemptTimedOut;

    public RegisterClient(final int clientId, final List<LinearizabilityChecker.Operation> history)
    {
        this.clientId = clientId;
        this.history = history;
    }

    public int clientId()
    {
        return clientId;
    }

    public long retries()
    {
        return retries;
    }

    public void start(final SimulatedCluster cluster)
    {
        this.cluster = cluster;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(cluster.seed() * 31 + clientId);
        this.registers = cluster.config().registers;
        this.target = random.nextInt(cluster.nodeCount());
        armTimer(random.nextLong(cluster.config().clientThinkTimeNs) + 1);
    }

    public void onTimer(final long token)
    {
        if (token != timerToken)
        {
            return;
        }
        if ((null != current || -1 != openCorrelationId) && attemptTimedOut)
        {
            retries++;
            target = (target + 1 + random.nextInt(cluster.nodeCount() - 1)) % cluster.nodeCount();
        }
        if (0 == sessionId)
        {
            sendOpen();
        }
        else
        {
            if (null == current)
            {
                beginOperation();
            }
            sendCurrent();
        }
    }

    private void sendOpen()
    {
        openCorrelationId = ((long)clientId << 32) | ++correlationCounter;
        if (-1 == openPhaseFirstCorrelationId)
        {
            openPhaseFirstCorrelationId = openCorrelationId;
        }
        cluster.openSession(this, target, openCorrelationId);
        armAttemptTimer();
    }

    private void beginOperation()
    {
        final int key = random.nextInt(registers);
        final int choice = random.nextInt(10);
        final long value = (clientId + 1) * 1_000_000L + (++correlationCounter % 1_000_000L);
        final byte op;
        long expected = 0;
        readIndexRead = false;
        if (choice < 4)
        {
            op = RegisterCommands.OP_WRITE;
        }
        else if (choice < 6)
        {
            op = RegisterCommands.OP_CAS;
            expected = lastReadValue(key);
        }
        else
        {
            op = RegisterCommands.OP_READ;
            readIndexRead = choice >= 8;
        }
        current = new LinearizabilityChecker.Operation(clientId, key, op, value, expected, cluster.nowNs());
        history.add(current);
        if (!readIndexRead)
        {
            currentSequence = nextSequence++;
            RegisterCommands.writeCommand(commandBuffer, 0, op, key, value, expected);
            currentCommand = commandBuffer.byteArray().clone();
        }
    }

    private long lastReadValue(final int key)
    {
        for (int i = history.size() - 1; i >= 0; i--)
        {
            final LinearizabilityChecker.Operation op = history.get(i);
            if (op.clientId == clientId && op.key == key && op.outputKnown)
            {
                return op.output;
            }
        }
        return 0;
    }

    private void sendCurrent()
    {
        trace("send to node " + (target + 1) + " seq=" + currentSequence + " " + current);
        if (readIndexRead)
        {
            currentReadCorrelationId = ((long)clientId << 32) | ++correlationCounter;
            cluster.read(this, target, currentReadCorrelationId);
        }
        else
        {
            cluster.propose(this, target, SERVICE_ID, sessionId, currentSequence, currentCommand);
        }
        armAttemptTimer();
    }

    private void armAttemptTimer()
    {
        attemptTimedOut = true;
        cluster.scheduleClientTimer(this, cluster.config().clientAttemptTimeoutNs, ++timerToken);
    }

    private void armTimer(final long delayNs)
    {
        attemptTimedOut = false;
        cluster.scheduleClientTimer(this, delayNs, ++timerToken);
    }

    public void onSessionOpened(final long correlationId, final long sessionId, final Status status)
    {
        // Only an open of this opening phase: a node that re-applies old entries (after a restart) announces old
        // sessions again, and reusing one would replay its cached responses for new requests.
        if (0 != this.sessionId || -1 == openCorrelationId || correlationId < openPhaseFirstCorrelationId)
        {
            return;
        }
        if (status == Status.OK)
        {
            this.sessionId = sessionId;
            this.nextSequence = 1;
            openCorrelationId = -1;
            openPhaseFirstCorrelationId = -1;
            armTimer(1);
        }
    }

    public void onResponse(
        final long sessionId, final long requestSequence, final long logIndex, final Status status,
        final byte[] response)
    {
        trace("response session=" + sessionId + " seq=" + requestSequence + " index=" + logIndex + " " + status);
        if (sessionId != this.sessionId || null == current || readIndexRead || requestSequence != currentSequence)
        {
            return;
        }
        if (status == Status.OK && response.length == RegisterCommands.RESPONSE_LENGTH)
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(response);
            final byte result = RegisterCommands.result(buffer, 0);
            if (result == RegisterCommands.RESULT_MALFORMED)
            {
                throw new IllegalStateException("register service refused a well-formed command");
            }
            finish(result == RegisterCommands.RESULT_OK, RegisterCommands.value(buffer, 0));
        }
        else if (status == Status.UNKNOWN_SESSION || status == Status.LIMIT_EXCEEDED)
        {
            abandon();
        }
    }

    public void onRefused(final long correlationOrSequence, final Status status, final int leaderHint)
    {
        trace("refused " + correlationOrSequence + " " + status + " hint=" + leaderHint);
        if (-1 != openCorrelationId && correlationOrSequence == openCorrelationId ||
            null != current && (readIndexRead ? correlationOrSequence == currentReadCorrelationId :
            correlationOrSequence == currentSequence))
        {
            if (leaderHint > 0)
            {
                target = cluster.indexOf(leaderHint);
            }
            else
            {
                target = random.nextInt(cluster.nodeCount());
            }
            armTimer(cluster.config().clientAttemptTimeoutNs / 8);
        }
    }

    public long evaluateRead(final long correlationId, final Map<Integer, StateMachine> services)
    {
        final RegisterStateMachine registerMachine = (RegisterStateMachine)services.get(SERVICE_ID);
        return null == current ? 0 : registerMachine.read(current.key);
    }

    public void onReadResult(final long correlationId, final Status status, final long value)
    {
        if (null == current || !readIndexRead || correlationId != currentReadCorrelationId)
        {
            return;
        }
        if (status == Status.OK)
        {
            finish(true, value);
        }
        else
        {
            armTimer(cluster.config().clientAttemptTimeoutNs / 8);
        }
    }

    private void finish(final boolean succeeded, final long output)
    {
        current.complete(cluster.nowNs(), succeeded, output);
        current = null;
        completed++;
        lastCompletedNs = cluster.nowNs();
        armTimer(random.nextLong(cluster.config().clientThinkTimeNs) + 1);
    }

    /**
     * The outcome can no longer be learned: the operation stays open (it may or may not have taken effect) and the
     * client starts again with a new session.
     */
    private void abandon()
    {
        current = null;
        completed++;
        lastCompletedNs = cluster.nowNs();
        sessionId = 0;
        armTimer(random.nextLong(cluster.config().clientThinkTimeNs) + 1);
    }

    private void trace(final String event)
    {
        if (TRACE_CLIENT == clientId)
        {
            System.out.println("  " + cluster.nowNs() / 1_000_000 + "ms client " + clientId + " " + event);
        }
    }

    public String toString()
    {
        return "RegisterClient{id=" + clientId + ", session=" + sessionId + ", seq=" + currentSequence + ", target=" +
            target + ", current=" + current + ", readIndex=" + readIndexRead + ", opening=" + openCorrelationId +
            ", retries=" + retries + "}";
    }

    public long outstandingSinceNs()
    {
        if (null != current)
        {
            return current.callNs;
        }
        return -1;
    }

    public int completedSince(final long timeNs)
    {
        return lastCompletedNs >= timeNs ? Math.max(1, completed) : 0;
    }
}
