package dev.grid.locks;

import dev.grid.sbe.Status;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model-based test: long random sequences of every command, log-time step and session close, applied to the lock
 * table and to {@link ReferenceLockTable}; every answer, every late answer, and the checksums of a replica that
 * keeps being rebuilt from its own snapshots must agree with one that never is.
 */
class LockTableModelTest
{
    private static final String[] NAMES = { "a", "b", "c", "d", "e", "", "n".repeat(33), "a-longer-name-of-24-chars" };
    private static final int SEEDS = 40;
    private static final int STEPS = 4_000;

    @Test
    void lockTableAgreesWithTheReferenceOverLongRandomSequences()
    {
        int grants = 0;
        int handOffs = 0;
        int timeouts = 0;
        int lost = 0;
        int limits = 0;
        for (int seed = 1; seed <= SEEDS; seed++)
        {
            final int[] counts = run(seed, LockTableModelTest::context, 3);
            grants += counts[0];
            handOffs += counts[1];
            timeouts += counts[2];
            lost += counts[3];
            limits += counts[4];
        }
        assertThat(grants).as("immediate grants").isGreaterThan(1000);
        assertThat(handOffs).as("grants through the queue").isGreaterThan(1000);
        assertThat(timeouts).as("waits timed out").isGreaterThan(100);
        assertThat(lost).as("ownership lost").isGreaterThan(100);
        assertThat(limits).as("budgets hit").isGreaterThan(100);
    }

    @Test
    void lockTableAgreesWithTheReferenceWithLongQueuesOverSeveralChainsPerLock()
    {
        final Supplier<LockTableContext> context = () -> new LockTableContext()
            .maxLocks(4).maxWaitersPerLock(48).maxWaiters(96).maxNameLength(32).defaultAcquireLimit(3);
        assertThat(LockTable.bucketsPerLock(4, 48, 96)).isEqualTo(4);
        int handOffs = 0;
        int alreadyQueued = 0;
        for (int seed = 1; seed <= SEEDS / 4; seed++)
        {
            final int[] counts = run(seed, context, 12);
            handOffs += counts[1];
            alreadyQueued += counts[5];
        }
        assertThat(handOffs).as("grants through the queue").isGreaterThan(1000);
        assertThat(alreadyQueued).as("owners refused as queued twice").isGreaterThan(200);
    }

    private static LockTableContext context()
    {
        return new LockTableContext()
            .maxLocks(4).maxWaitersPerLock(3).maxWaiters(6).maxNameLength(32).defaultAcquireLimit(3);
    }

    /**
     * @return immediate grants, grants through the queue, timeouts, ownership lost, budgets hit, queued twice.
     */
    private static int[] run(final long seed, final Supplier<LockTableContext> context, final int ownersPerSession)
    {
        final Random random = new Random(seed);
        final ReferenceLockTable reference = new ReferenceLockTable(context.get());
        final int[] counts = new int[6];
        final long[] sessions = { 1, 2, 3, 4 };
        long nextSession = 5;
        final List<Long> tokensSeen = new ArrayList<>();
        tokensSeen.add(1L);

        try (LockDriver table = new LockDriver(context.get()); LockDriver replica = new LockDriver(context.get()))
        {
            for (int step = 0; step < STEPS; step++)
            {
                final String where = "seed " + seed + " step " + step;
                final int op = random.nextInt(100);
                final long sessionId = sessions[random.nextInt(sessions.length)];
                final long ownerId = 1 + random.nextInt(ownersPerSession);
                final String name = NAMES[random.nextInt(random.nextInt(10) < 9 ? 5 : NAMES.length)];
                final Answer expected;
                final Answer actual;
                final Answer replicaActual;
                List<Deferred> expectedLate = List.of();
                if (op < 45)
                {
                    final long waitTimeout = switch (random.nextInt(3))
                    {
                        case 0 -> LockTable.WAIT_FOREVER;
                        case 1 -> 0;
                        default -> 1 + random.nextInt(3000);
                    };
                    final long heldToken = random.nextInt(10) < 8 ? 0 : pick(random, tokensSeen);
                    final int acquireLimit = new int[]{ 0, 0, 0, 1, 2, 4 }[random.nextInt(6)];
                    actual = table.acquire(sessionId, ownerId, name, waitTimeout, heldToken, acquireLimit);
                    replicaActual = replica.acquire(sessionId, ownerId, name, waitTimeout, heldToken, acquireLimit);
                    expectedLate = reference.onLogTime(table.index(), table.timestamp());
                    expected = reference.acquire(table.index(), table.timestamp(), sessionId, table.lastSequence(),
                        ownerId, name, waitTimeout, heldToken, acquireLimit);
                    counts[0] += Status.OK == actual.status() ? 1 : 0;
                }
                else if (op < 80)
                {
                    final long heldToken = random.nextInt(10) < 7 ? 0 : pick(random, tokensSeen);
                    actual = table.unlock(sessionId, ownerId, name, heldToken);
                    replicaActual = replica.unlock(sessionId, ownerId, name, heldToken);
                    expectedLate = reference.onLogTime(table.index(), table.timestamp());
                    expected = reference.release(table.index(), sessionId, ownerId, name, heldToken);
                }
                else if (op < 85)
                {
                    actual = table.query(name);
                    replicaActual = replica.query(name);
                    expectedLate = reference.onLogTime(table.index(), table.timestamp());
                    expected = reference.query(table.index(), name);
                }
                else if (op < 97)
                {
                    final long nanos = random.nextInt(1000);
                    table.advance(nanos).tick();
                    replica.advance(nanos).tick();
                    expectedLate = reference.onLogTime(table.index(), table.timestamp());
                    actual = expected = replicaActual = null;
                }
                else
                {
                    final int which = random.nextInt(sessions.length);
                    table.closeSession(sessions[which]);
                    replica.closeSession(sessions[which]);
                    expectedLate = new ArrayList<>(reference.onLogTime(table.index(), table.timestamp()));
                    expectedLate.addAll(reference.onSessionClosed(table.index(), sessions[which]));
                    expectedLate.sort(Deferred.BY_REQUEST);
                    sessions[which] = nextSession++;
                    actual = expected = replicaActual = null;
                }

                final List<Deferred> allExpectedLate = new ArrayList<>(expectedLate);
                allExpectedLate.addAll(reference.takeDeferred());
                allExpectedLate.sort(Deferred.BY_REQUEST);
                final List<Deferred> late = table.takeDeferred();
                assertThat(actual).as(where).isEqualTo(expected);
                assertThat(replicaActual).as(where).isEqualTo(expected);
                assertThat(late).as(where).isEqualTo(allExpectedLate);
                assertThat(replica.takeDeferred()).as(where).isEqualTo(allExpectedLate);

                if (null != actual)
                {
                    tokensSeen.add(actual.token());
                    count(counts, actual);
                }
                for (final Deferred deferred : late)
                {
                    count(counts, deferred.answer());
                    counts[1] += Status.OK == deferred.answer().status() ? 1 : 0;
                }
                if (step % 397 == 0)
                {
                    final long[] checksums = table.snapshotAndRestore();
                    assertThat(checksums[1]).as(where).isEqualTo(checksums[0]);
                }
                if (step % 101 == 0)
                {
                    assertThat(table.table().checksum()).as(where).isEqualTo(replica.table().checksum());
                }
            }
            assertThat(table.table().checksum()).isEqualTo(replica.table().checksum());
        }
        return counts;
    }

    private static void count(final int[] counts, final Answer answer)
    {
        switch (answer.status())
        {
            case TIMEOUT -> counts[2]++;
            case OWNERSHIP_LOST -> counts[3]++;
            case LIMIT_EXCEEDED -> counts[4]++;
            case ALREADY_EXISTS -> counts[5]++;
            default ->
            {
            }
        }
    }

    private static long pick(final Random random, final List<Long> tokens)
    {
        return random.nextInt(10) == 0 ? random.nextInt(50) : tokens.get(tokens.size() - 1 - random.nextInt(
            Math.min(tokens.size(), 8)));
    }
}
