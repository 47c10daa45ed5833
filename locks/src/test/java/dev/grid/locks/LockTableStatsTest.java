package dev.grid.locks;

import dev.grid.sbe.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stats getters a node publishes as counters, after known commands.
 */
class LockTableStatsTest
{
    private static final long A = 11;
    private static final long B = 22;
    private static final long C = 33;
    private static final long D = 44;
    private static final long SECOND = 1_000_000_000L;

    private final LockDriver driver = new LockDriver(LockDriver.context());

    @AfterEach
    void closeTable()
    {
        driver.close();
    }

    private long[] stats()
    {
        final LockTable table = driver.table();
        return new long[] {table.lockCount(), table.waiterCount(), table.grants(), table.handOffs(),
            table.sessionReleases(), table.waitTimeouts(), table.refusals(), table.fenceRefusals()};
    }

    @Test
    void gettersCountWhatKnownCommandsDid()
    {
        assertThat(stats()).containsOnly(0);

        final long firstToken = driver.lock(A, 1, "x").token();
        assertThat(driver.lock(A, 1, "x").holdCount()).as("reentry is no new grant").isEqualTo(2);
        assertThat(driver.lock(B, 1, "x").status()).isEqualTo(Status.PENDING);
        assertThat(driver.tryLock(C, 1, "x", 5 * SECOND).status()).isEqualTo(Status.PENDING);
        assertThat(driver.tryLock(D, 1, "x", 0).status()).isEqualTo(Status.TIMEOUT);
        assertThat(driver.lock(B, 1, "x").status()).isEqualTo(Status.ALREADY_EXISTS);
        assertThat(driver.unlock(B, 1, "x").status()).isEqualTo(Status.NOT_HOLDER);
        // held, waiting, grants, hand-offs, session releases, wait timeouts, refusals, fence refusals
        assertThat(stats()).containsExactly(1, 2, 1, 0, 0, 0, 3, 0);

        driver.advance(10 * SECOND).tick();
        assertThat(driver.takeDeferred()).extracting(deferred -> deferred.answer().status())
            .containsExactly(Status.TIMEOUT);
        assertThat(stats()).as("C's wait ran out: a timeout, not a refusal").containsExactly(1, 1, 1, 0, 0, 1, 3, 0);

        driver.unlock(A, 1, "x");
        driver.unlock(A, 1, "x");
        assertThat(stats()).as("handed to B").containsExactly(1, 0, 2, 1, 0, 1, 3, 0);

        assertThat(driver.isCurrentToken("x", firstToken)).isFalse();
        assertThat(driver.isCurrentToken("y", 1)).isFalse();
        assertThat(driver.isCurrentToken("x", driver.table().currentToken(LockDriver.ascii("x"), 0, 1))).isTrue();
        assertThat(stats()[7]).as("stale and unknown tokens refused").isEqualTo(2);

        driver.lock(B, 1, "y");
        assertThat(driver.lock(C, 1, "y").status()).isEqualTo(Status.PENDING);
        driver.closeSession(B);
        assertThat(driver.table().currentToken(LockDriver.ascii("y"), 0, 1)).isEqualTo(driver.index());
        assertThat(stats()).as("B's session released x (free) and y (to C)")
            .containsExactly(1, 0, 4, 2, 2, 1, 3, 2);
    }
}
