package dev.grid.locks;

import dev.grid.core.DeferredResponses;
import dev.grid.core.Fences;
import dev.grid.core.InMemorySnapshot;
import dev.grid.core.StateMachine;
import dev.grid.sbe.Status;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;

/**
 * A deterministic, single-threaded simulation of clients using the lock table through a log, standing in for the
 * consensus harness until it exists. One seed fixes everything.
 * <p>
 * What it models of the layers around the table: a log that gives each applied message the next index and the
 * leader's (monotonic) timestamp; sessions opened by an entry, kept alive by keep-alive entries and closed by an
 * entry when their lease runs out in log time, or when the client closes them; exactly-once requests (a request
 * retried with a sequence already applied gets the cached answer, late answers replacing PENDING, as the consensus
 * layer does with {@link DeferredResponses}); requests from a session the log has closed answered UNKNOWN_SESSION;
 * a fenced resource (a cache stand-in) that applies writes carrying (lock, token) only if the table's
 * {@link Fences} check passes; a network that delays, duplicates and, during a partition, drops messages both ways.
 * <p>
 * Clients lock and try-lock a few shared locks, write under them with their token, re-enter and release; they crash
 * (and come back with a new session), pause past their lease (and then act on what they believed: stale writes,
 * releases with a lost token), retry requests and get partitioned. {@link LockSafetyChecker} judges the log's
 * history; at the end every client goes away, and once all leases ran out the table must be empty. A replica fed
 * the same entries, rebuilt from its own snapshot halfway, must end with the same checksum.
 */
final class LockSimulation
{
    static final long LEASE = 50_000_000L;
    static final long KEEP_ALIVE_INTERVAL = LEASE / 4;
    static final String[] LOCKS = { "ledger", "orders", "risk" };
    static final int CLIENTS = 6;
    static final int STEPS = 4_000;
    static final long MAX_STEP_NANOS = 1_000_000L;

    /** Counts of what a run exercised, so a test can show the checks met real cases. */
    static final class Stats
    {
        long entries;
        long grants;
        long lateGrants;
        long timeouts;
        long expiriesWhileHolding;
        long ownershipLost;
        long staleWritesRefused;
        long writesAccepted;
        long retriesAnsweredFromCache;
        long crashes;
        long pauses;
        long partitions;

        void add(final Stats other)
        {
            entries += other.entries;
            grants += other.grants;
            lateGrants += other.lateGrants;
            timeouts += other.timeouts;
            expiriesWhileHolding += other.expiriesWhileHolding;
            ownershipLost += other.ownershipLost;
            staleWritesRefused += other.staleWritesRefused;
            writesAccepted += other.writesAccepted;
            retriesAnsweredFromCache += other.retriesAnsweredFromCache;
            crashes += other.crashes;
            pauses += other.pauses;
            partitions += other.partitions;
        }

        public String toString()
        {
            return "entries=" + entries + " grants=" + grants + " lateGrants=" + lateGrants + " timeouts=" +
                timeouts + " expiriesWhileHolding=" + expiriesWhileHolding + " ownershipLost=" + ownershipLost +
                " staleWritesRefused=" + staleWritesRefused + " writesAccepted=" + writesAccepted +
                " retriesFromCache=" + retriesAnsweredFromCache + " crashes=" + crashes + " pauses=" + pauses +
                " partitions=" + partitions;
        }
    }

    record Result(List<String> violations, Stats stats)
    {
    }

    private enum MessageKind
    {
        OPEN, KEEP_ALIVE, CLOSE, LOCK_COMMAND, WRITE
    }

    private record Message(
        long deliverAt, long order, int clientId, MessageKind kind, long sessionId,
        LockSafetyChecker.Request request, byte[] command, String lockName, long token)
    {
    }

    private static final class Session
    {
        long lastKeepAlive;
        final Map<Long, Answer> answers = new HashMap<>();
        final Map<Long, LockSafetyChecker.Request> requests = new HashMap<>();
    }

    private enum Phase
    {
        IDLE, ACQUIRING, HOLDING, RELEASING, QUERYING, CHECKING_LOST
    }

    private static final class Client
    {
        final int id;
        long sessionId;
        boolean opening;
        long openSentAt;
        long lastKeepAliveSent;
        long nextSequence = 1;
        boolean crashed;
        boolean gone;
        long pausedUntil;
        long partitionedUntil;
        Phase phase = Phase.IDLE;
        Message outstanding;
        String lockName;
        long token;
        int depth;
        int writesLeft;
        String lostLockName;
        long lostToken;

        Client(final int id)
        {
            this.id = id;
        }

        void forgetLock()
        {
            phase = Phase.IDLE;
            outstanding = null;
            token = 0;
            depth = 0;
        }
    }

    private final long seed;
    private final Random random;
    private final LockSafetyChecker checker;
    private final Stats stats = new Stats();
    private final StateMachine machine;
    private final Fences fences;
    private final LockTable realTable;
    private LockTable replica;
    private final LockCommands commands = new LockCommands();
    private final UnsafeBuffer commandBuffer = new UnsafeBuffer(new byte[256]);
    private final UnsafeBuffer responseBuffer = new UnsafeBuffer(new byte[256]);
    private final PriorityQueue<Message> network = new PriorityQueue<>(
        (a, b) -> a.deliverAt() != b.deliverAt() ? Long.compare(a.deliverAt(), b.deliverAt()) :
            Long.compare(a.order(), b.order()));
    private final TreeMap<Long, Session> sessions = new TreeMap<>();
    private final Map<Long, Integer> clientOfSession = new HashMap<>();
    private final List<Client> clients = new ArrayList<>();
    private final List<long[]> lateAnswers = new ArrayList<>();
    private final List<Answer> lateAnswerBodies = new ArrayList<>();
    private long messageOrder;
    private long index;
    private long now = 1_000_000_000L;
    private long nextSessionId = 1;

    private LockSimulation(final long seed, final LyingLockTable.Bug bug)
    {
        this.seed = seed;
        this.random = new Random(seed);
        this.checker = new LockSafetyChecker(seed);
        final DeferredResponses late = (serviceId, sessionId, requestSequence, buffer, offset, length) ->
        {
            lateAnswers.add(new long[]{ sessionId, requestSequence });
            lateAnswerBodies.add(Answer.decode(buffer, offset, length));
        };
        if (null == bug)
        {
            realTable = new LockTable(context().deferredResponses(late));
            machine = realTable;
            fences = realTable;
            replica = new LockTable(context().deferredResponses(DeferredResponses.NONE));
        }
        else
        {
            final LyingLockTable lying = new LyingLockTable(bug, context(), late);
            realTable = null;
            machine = lying;
            fences = lying;
        }
        for (int i = 0; i < CLIENTS; i++)
        {
            clients.add(new Client(i));
        }
    }

    static LockTableContext context()
    {
        return new LockTableContext().maxLocks(16).maxWaitersPerLock(CLIENTS).maxWaiters(64).maxNameLength(16);
    }

    /**
     * @param seed fixes the run.
     * @param bug  a planted bug, or null for the real table.
     * @return the violations found and what the run exercised.
     */
    static Result run(final long seed, final LyingLockTable.Bug bug)
    {
        return new LockSimulation(seed, bug).run();
    }

    private Result run()
    {
        for (int step = 0; step < STEPS; step++)
        {
            now += random.nextInt((int)MAX_STEP_NANOS);
            expireSessions();
            deliver(step);
            for (final Client client : clients)
            {
                act(client, step);
            }
            if (step == STEPS / 2 && null != replica)
            {
                rebuildReplica();
            }
        }

        for (final Client client : clients)
        {
            client.gone = true;
        }
        final long end = now + 2 * LEASE;
        int step = STEPS;
        while (now < end || !network.isEmpty())
        {
            now += MAX_STEP_NANOS;
            expireSessions();
            deliver(step++);
            noop();
        }
        if (!checker.isIdle())
        {
            checker.violation("locks still held or waited on after every session ended");
        }
        if (null != realTable)
        {
            if (realTable.lockCount() != 0 || realTable.waiterCount() != 0)
            {
                checker.violation("table not empty after every session ended: " + realTable.lockCount() +
                    " locks, " + realTable.waiterCount() + " waiters");
            }
            if (realTable.checksum() != replica.checksum())
            {
                checker.violation("replica rebuilt from a snapshot diverged");
            }
            realTable.close();
            replica.close();
        }
        return new Result(checker.violations(), stats);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Clients

    private void act(final Client client, final long step)
    {
        if (client.gone)
        {
            return;
        }
        if (client.crashed)
        {
            if (random.nextInt(400) == 0)
            {
                final Client fresh = new Client(client.id);
                clients.set(client.id, fresh);
            }
            return;
        }
        final int fault = random.nextInt(4000);
        if (fault < 2)
        {
            client.crashed = true;
            stats.crashes++;
            return;
        }
        if (fault < 6 && client.pausedUntil <= now)
        {
            client.pausedUntil = now + LEASE / 2 + (long)(random.nextDouble() * 3 * LEASE);
            stats.pauses++;
        }
        if (fault >= 6 && fault < 10 && client.partitionedUntil <= now)
        {
            client.partitionedUntil = now + LEASE / 5 + (long)(random.nextDouble() * 3 * LEASE);
            stats.partitions++;
        }
        if (client.pausedUntil > now)
        {
            return;
        }

        if (0 == client.sessionId)
        {
            if (!client.opening || now - client.openSentAt > LEASE)
            {
                client.opening = true;
                client.openSentAt = now;
                send(client, step, MessageKind.OPEN, 0, null, null, null, 0);
            }
            return;
        }
        if (now - client.lastKeepAliveSent >= KEEP_ALIVE_INTERVAL)
        {
            client.lastKeepAliveSent = now;
            send(client, step, MessageKind.KEEP_ALIVE, client.sessionId, null, null, null, 0);
        }
        if (random.nextInt(10) >= 3)
        {
            return;
        }
        switch (client.phase)
        {
            case IDLE -> startSomething(client, step);
            case HOLDING -> workUnderLock(client, step);
            default ->
            {
                if (null != client.outstanding && random.nextInt(40) == 0)
                {
                    resend(client.outstanding, step);
                }
            }
        }
    }

    private void startSomething(final Client client, final long step)
    {
        if (0 != client.lostToken)
        {
            client.phase = Phase.CHECKING_LOST;
            sendLockCommand(client, step, LockSafetyChecker.Kind.RELEASE, client.lostLockName, 0,
                client.lostToken);
            return;
        }
        final int choice = random.nextInt(100);
        if (choice < 2)
        {
            final long sessionId = client.sessionId;
            client.sessionId = 0;
            client.opening = false;
            send(client, step, MessageKind.CLOSE, sessionId, null, null, null, 0);
            return;
        }
        final String lockName = LOCKS[random.nextInt(LOCKS.length)];
        if (choice < 8)
        {
            client.phase = Phase.QUERYING;
            sendLockCommand(client, step, LockSafetyChecker.Kind.QUERY, lockName, 0, 0);
            return;
        }
        client.lockName = lockName;
        client.phase = Phase.ACQUIRING;
        final long waitTimeout = choice < 50 ? LockTable.WAIT_FOREVER :
            (choice < 60 ? 0 : 1 + random.nextInt((int)(2 * LEASE)));
        sendLockCommand(client, step, LockSafetyChecker.Kind.ACQUIRE, lockName, waitTimeout, 0);
    }

    private void workUnderLock(final Client client, final long step)
    {
        if (client.writesLeft > 0)
        {
            client.writesLeft--;
            send(client, step, MessageKind.WRITE, client.sessionId, null, null, client.lockName, client.token);
        }
        else if (client.depth < 3 && random.nextInt(5) == 0)
        {
            client.phase = Phase.ACQUIRING;
            sendLockCommand(client, step, LockSafetyChecker.Kind.ACQUIRE, client.lockName, 0, client.token);
        }
        else
        {
            client.phase = Phase.RELEASING;
            sendLockCommand(client, step, LockSafetyChecker.Kind.RELEASE, client.lockName, 0, client.token);
        }
    }

    private void sendLockCommand(
        final Client client,
        final long step,
        final LockSafetyChecker.Kind kind,
        final String lockName,
        final long waitTimeout,
        final long heldToken)
    {
        final DirectBuffer name = LockDriver.ascii(lockName);
        final long ownerId = 1;
        final int length = switch (kind)
        {
            case ACQUIRE -> commands.acquire(
                commandBuffer, 0, name, 0, name.capacity(), ownerId, waitTimeout, heldToken, 0);
            case RELEASE -> commands.release(commandBuffer, 0, name, 0, name.capacity(), ownerId, heldToken);
            case QUERY -> commands.query(commandBuffer, 0, name, 0, name.capacity());
        };
        final byte[] command = new byte[length];
        commandBuffer.getBytes(0, command);
        final LockSafetyChecker.Request request = new LockSafetyChecker.Request(
            kind, lockName, client.sessionId, ownerId, client.nextSequence++, heldToken);
        client.outstanding = send(client, step, MessageKind.LOCK_COMMAND, client.sessionId, request, command,
            lockName, heldToken);
    }

    private Message send(
        final Client client,
        final long step,
        final MessageKind kind,
        final long sessionId,
        final LockSafetyChecker.Request request,
        final byte[] command,
        final String lockName,
        final long token)
    {
        final Message message = new Message(step + random.nextInt(4), messageOrder++, client.id, kind, sessionId,
            request, command, lockName, token);
        if (client.partitionedUntil <= now)
        {
            network.add(message);
            if (random.nextInt(50) == 0)
            {
                network.add(new Message(step + random.nextInt(8), messageOrder++, client.id, kind, sessionId,
                    request, command, lockName, token));
            }
        }
        return message;
    }

    private void resend(final Message message, final long step)
    {
        final Client client = clients.get(message.clientId());
        if (client.partitionedUntil <= now)
        {
            network.add(new Message(step + random.nextInt(4), messageOrder++, message.clientId(), message.kind(),
                message.sessionId(), message.request(), message.command(), message.lockName(), message.token()));
        }
    }

    private boolean reachable(final int clientId)
    {
        final Client client = clients.get(clientId);
        return !client.crashed && !client.gone && client.pausedUntil <= now && client.partitionedUntil <= now;
    }

    private void onAnswer(final int clientId, final LockSafetyChecker.Request request, final Answer answer)
    {
        final Client client = clients.get(clientId);
        if (!reachable(clientId) || null == client.outstanding ||
            client.outstanding.request() != request)
        {
            return;
        }
        final Status status = answer.status();
        if (Status.PENDING == status)
        {
            return;
        }
        if (Status.UNKNOWN_SESSION == status)
        {
            if (client.depth > 0)
            {
                client.lostLockName = client.lockName;
                client.lostToken = client.token;
            }
            client.sessionId = 0;
            client.opening = false;
            client.forgetLock();
            return;
        }
        switch (request.kind())
        {
            case ACQUIRE ->
            {
                if (Status.OK == status)
                {
                    client.token = answer.token();
                    client.depth++;
                    client.writesLeft = 1 + random.nextInt(4);
                    client.phase = Phase.HOLDING;
                    client.outstanding = null;
                }
                else if (client.depth > 0 && Status.LIMIT_EXCEEDED != status && Status.TIMEOUT != status)
                {
                    client.forgetLock();
                }
                else
                {
                    client.phase = client.depth > 0 ? Phase.HOLDING : Phase.IDLE;
                    client.outstanding = null;
                }
            }
            case RELEASE ->
            {
                if (Phase.CHECKING_LOST == client.phase)
                {
                    client.lostToken = 0;
                    client.lostLockName = null;
                    client.forgetLock();
                }
                else if (Status.OK == status && client.depth > 1)
                {
                    client.depth--;
                    client.phase = Phase.HOLDING;
                    client.outstanding = null;
                }
                else
                {
                    client.forgetLock();
                }
            }
            case QUERY -> client.forgetLock();
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // The log and the layers around the table

    private void deliver(final long step)
    {
        while (!network.isEmpty() && network.peek().deliverAt() <= step)
        {
            final Message message = network.poll();
            switch (message.kind())
            {
                case OPEN -> openSession(message);
                case KEEP_ALIVE ->
                {
                    final Session session = sessions.get(message.sessionId());
                    if (null != session)
                    {
                        nextEntry();
                        session.lastKeepAlive = now;
                        checker.endOfEntry();
                    }
                }
                case CLOSE ->
                {
                    if (sessions.containsKey(message.sessionId()))
                    {
                        closeSession(message.sessionId());
                    }
                }
                case LOCK_COMMAND -> lockCommand(message);
                case WRITE -> fencedWrite(message);
            }
        }
    }

    private void openSession(final Message message)
    {
        nextEntry();
        final long sessionId = nextSessionId++;
        final Session session = new Session();
        session.lastKeepAlive = now;
        sessions.put(sessionId, session);
        clientOfSession.put(sessionId, message.clientId());
        checker.endOfEntry();
        final Client client = clients.get(message.clientId());
        if (reachable(message.clientId()) && client.opening && 0 == client.sessionId)
        {
            client.sessionId = sessionId;
            client.opening = false;
            client.lastKeepAliveSent = now;
        }
    }

    private void lockCommand(final Message message)
    {
        final LockSafetyChecker.Request request = message.request();
        final Session session = sessions.get(request.sessionId());
        if (null == session)
        {
            onAnswer(message.clientId(), request, Answer.free(Status.UNKNOWN_SESSION, 0));
            return;
        }
        final Answer cached = session.answers.get(request.requestSequence());
        if (null != cached)
        {
            stats.retriesAnsweredFromCache++;
            onAnswer(message.clientId(), request, cached);
            return;
        }

        nextEntry();
        final UnsafeBuffer command = new UnsafeBuffer(message.command());
        final int length = machine.apply(index, now, request.sessionId(), request.requestSequence(), command, 0,
            command.capacity(), responseBuffer, 0);
        if (null != replica)
        {
            replica.onLogTime(index, now);
            replica.apply(index, now, request.sessionId(), request.requestSequence(), command, 0,
                command.capacity(), new UnsafeBuffer(new byte[256]), 0);
        }
        final Answer answer = Answer.decode(responseBuffer, 0, length);
        session.answers.put(request.requestSequence(), answer);
        session.requests.put(request.requestSequence(), request);
        checker.answered(request, answer);
        count(answer, false);
        processLateAnswers();
        checker.endOfEntry();
        onAnswer(message.clientId(), request, answer);
    }

    private void fencedWrite(final Message message)
    {
        nextEntry();
        final DirectBuffer name = LockDriver.ascii(message.lockName());
        final boolean accepted = fences.isCurrentToken(name, 0, name.capacity(), message.token());
        checker.fencedWrite(message.lockName(), message.token(), accepted);
        if (accepted)
        {
            stats.writesAccepted++;
        }
        else
        {
            stats.staleWritesRefused++;
        }
        checker.endOfEntry();
    }

    private void expireSessions()
    {
        final List<Long> expired = new ArrayList<>();
        for (final Map.Entry<Long, Session> entry : sessions.entrySet())
        {
            if (now - entry.getValue().lastKeepAlive > LEASE)
            {
                expired.add(entry.getKey());
            }
        }
        for (final long sessionId : expired)
        {
            closeSession(sessionId);
        }
    }

    private void closeSession(final long sessionId)
    {
        nextEntry();
        sessions.remove(sessionId);
        final Client client = clients.get(clientOfSession.get(sessionId));
        if (client.sessionId == sessionId && client.depth > 0)
        {
            stats.expiriesWhileHolding++;
        }
        checker.sessionClosed(sessionId);
        machine.onSessionClosed(index, now, sessionId);
        if (null != replica)
        {
            replica.onSessionClosed(index, now, sessionId);
        }
        processLateAnswers();
        checker.endOfEntry();
    }

    private void noop()
    {
        nextEntry();
        checker.endOfEntry();
    }

    private void nextEntry()
    {
        index++;
        stats.entries++;
        checker.entry(index);
        machine.onLogTime(index, now);
        if (null != replica)
        {
            replica.onLogTime(index, now);
        }
        processLateAnswers();
    }

    private void processLateAnswers()
    {
        for (int i = 0; i < lateAnswers.size(); i++)
        {
            final long sessionId = lateAnswers.get(i)[0];
            final long requestSequence = lateAnswers.get(i)[1];
            final Answer answer = lateAnswerBodies.get(i);
            checker.answeredLater(sessionId, requestSequence, answer);
            count(answer, true);
            final Session session = sessions.get(sessionId);
            if (null != session)
            {
                session.answers.put(requestSequence, answer);
                final LockSafetyChecker.Request request = session.requests.get(requestSequence);
                final Integer clientId = clientOfSession.get(sessionId);
                if (null != request && null != clientId)
                {
                    onAnswer(clientId, request, answer);
                }
            }
        }
        lateAnswers.clear();
        lateAnswerBodies.clear();
    }

    private void count(final Answer answer, final boolean late)
    {
        switch (answer.status())
        {
            case OK ->
            {
                if (answer.token() == index)
                {
                    stats.grants++;
                    stats.lateGrants += late ? 1 : 0;
                }
            }
            case TIMEOUT -> stats.timeouts++;
            case OWNERSHIP_LOST -> stats.ownershipLost++;
            default ->
            {
            }
        }
    }

    private void rebuildReplica()
    {
        final InMemorySnapshot snapshot = new InMemorySnapshot();
        replica.snapshot(snapshot);
        final LockTable rebuilt = new LockTable(context().deferredResponses(DeferredResponses.NONE));
        rebuilt.restore(snapshot.rewind());
        if (rebuilt.checksum() != replica.checksum() || replica.checksum() != realTable.checksum())
        {
            checker.violation("snapshot round trip or replica checksum differs");
        }
        replica.close();
        replica = rebuilt;
    }
}
