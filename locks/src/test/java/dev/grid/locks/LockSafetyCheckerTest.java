package dev.grid.locks;

import dev.grid.sbe.Status;
import org.junit.jupiter.api.Test;

import static dev.grid.locks.LockSafetyChecker.Kind.ACQUIRE;
import static dev.grid.locks.LockSafetyChecker.Kind.QUERY;
import static dev.grid.locks.LockSafetyChecker.Kind.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulation's judge, fed hand-written histories: a correct one passes, and each broken property is named.
 */
class LockSafetyCheckerTest
{
    private final LockSafetyChecker checker = new LockSafetyChecker(0);

    @Test
    void aCorrectHistoryHasNoViolations()
    {
        final LockSafetyChecker.Request b = queueTwoWaiters();
        checker.entry(4);
        checker.answered(request(RELEASE, 1, 1, 0), new Answer(Status.OK, 4, 4, 2, 1, 1, 1));
        checker.answeredLater(b.sessionId(), b.requestSequence(), new Answer(Status.OK, 4, 4, 2, 1, 1, 1));
        checker.fencedWrite("x", 4, true);
        checker.fencedWrite("x", 1, false);
        checker.endOfEntry();
        checker.entry(5);
        checker.answered(request(QUERY, 9, 9, 0), new Answer(Status.OK, 5, 4, 2, 1, 1, 1));

        assertThat(checker.violations()).isEmpty();
    }

    @Test
    void grantOutOfFifoOrderIsReported()
    {
        queueTwoWaiters();
        checker.entry(4);
        checker.answered(request(RELEASE, 1, 1, 0), new Answer(Status.OK, 4, 4, 3, 1, 1, 1));
        checker.answeredLater(3, 3, new Answer(Status.OK, 4, 4, 3, 1, 1, 1));

        assertThat(checker.violations()).singleElement().asString().contains("FIFO");
    }

    @Test
    void aWaiterLeftOnAFreeLockIsReported()
    {
        queueTwoWaiters();
        checker.entry(4);
        checker.sessionClosed(1);
        checker.endOfEntry();

        assertThat(checker.violations()).singleElement().asString().contains("waiter stuck");
    }

    @Test
    void aWaiterOfAClosedSessionIsNotOwedTheLock()
    {
        queueTwoWaiters();
        checker.entry(4);
        checker.sessionClosed(2);
        checker.sessionClosed(1);
        checker.answeredLater(3, 3, new Answer(Status.OK, 4, 4, 3, 1, 1, 0));
        checker.endOfEntry();

        assertThat(checker.violations()).isEmpty();
    }

    @Test
    void staleAndRefusedWritesAndWrongTokensAreReported()
    {
        checker.entry(1);
        checker.answered(request(ACQUIRE, 1, 1, 0), new Answer(Status.OK, 1, 1, 1, 1, 1, 0));
        checker.fencedWrite("x", 0, true);
        checker.fencedWrite("x", 1, false);
        checker.entry(2);
        checker.answered(request(ACQUIRE, 1, 2, 0), new Answer(Status.OK, 2, 7, 1, 1, 2, 0));
        checker.answered(request(RELEASE, 2, 3, 0), new Answer(Status.OK, 2, 1, 1, 1, 1, 0));
        checker.answered(request(RELEASE, 1, 4, 5), new Answer(Status.NOT_HOLDER, 2, 1, 1, 1, 1, 0));

        assertThat(checker.violations()).hasSize(5);
        assertThat(checker.violations().get(0)).contains("stale write accepted");
        assertThat(checker.violations().get(1)).contains("write refused");
        assertThat(checker.violations().get(2)).contains("changed the token");
        assertThat(checker.violations().get(3)).contains("non-holder accepted");
        assertThat(checker.violations().get(4)).contains("lost token");
    }

    private LockSafetyChecker.Request queueTwoWaiters()
    {
        checker.entry(1);
        checker.answered(request(ACQUIRE, 1, 1, 0), new Answer(Status.OK, 1, 1, 1, 1, 1, 0));
        checker.entry(2);
        final LockSafetyChecker.Request b = request(ACQUIRE, 2, 2, 0);
        checker.answered(b, new Answer(Status.PENDING, 2, 1, 1, 1, 1, 1));
        checker.entry(3);
        checker.answered(request(ACQUIRE, 3, 3, 0), new Answer(Status.PENDING, 3, 1, 1, 1, 1, 2));
        checker.endOfEntry();
        return b;
    }

    private static LockSafetyChecker.Request request(
        final LockSafetyChecker.Kind kind, final long sessionId, final long sequence, final long heldToken)
    {
        return new LockSafetyChecker.Request(kind, "x", sessionId, 1, sequence, heldToken);
    }
}
