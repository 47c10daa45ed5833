package dev.grid.locks;

import dev.grid.core.DeferredResponses;
import dev.grid.core.GridException;
import dev.grid.core.InMemorySnapshot;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LockTableTest
{
    private static final long A = 11;
    private static final long B = 22;
    private static final long C = 33;

    private LockDriver driver = new LockDriver(LockDriver.context());

    @AfterEach
    void closeTable()
    {
        driver.close();
    }

    @Test
    void grantTokenIsTheIndexOfTheGrantingEntryAndReentryKeepsIt()
    {
        driver.tick();
        final Answer first = driver.lock(A, 1, "orders");

        assertThat(first.status()).isEqualTo(Status.OK);
        assertThat(first.token()).isEqualTo(2).isEqualTo(first.logIndex());
        assertThat(first.heldBy(A, 1)).isTrue();

        final Answer again = driver.lock(A, 1, "orders");
        assertThat(again.status()).isEqualTo(Status.OK);
        assertThat(again.token()).isEqualTo(first.token());
        assertThat(again.holdCount()).isEqualTo(2);

        assertThat(driver.unlock(A, 1, "orders").holdCount()).isEqualTo(1);
        final Answer freed = driver.unlock(A, 1, "orders");
        assertThat(freed.status()).isEqualTo(Status.OK);
        assertThat(freed.holdCount()).isZero();
        assertThat(driver.table().lockCount()).isZero();

        final Answer later = driver.lock(A, 1, "orders");
        assertThat(later.token()).isEqualTo(driver.index()).isGreaterThan(first.token());
    }

    @Test
    void acquireLimitBoundsReentryPerRequestOrByDefault()
    {
        assertThat(driver.acquire(A, 1, "x", 0, 0, 1).status()).isEqualTo(Status.OK);
        final Answer refused = driver.acquire(A, 1, "x", 0, 0, 1);
        assertThat(refused.status()).isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(refused.holdCount()).isEqualTo(1);
        assertThat(driver.acquire(A, 1, "x", 0, 0, 2).holdCount()).isEqualTo(2);
        assertThat(driver.acquire(A, 1, "x", 0, 0, 2).status()).isEqualTo(Status.LIMIT_EXCEEDED);

        driver.close();
        driver = new LockDriver(LockDriver.context().defaultAcquireLimit(1));
        driver.lock(A, 1, "x");
        assertThat(driver.lock(A, 1, "x").status()).isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(driver.acquire(A, 1, "x", 0, 0, 3).holdCount()).isEqualTo(2);
    }

    @Test
    void releaseHandsTheLockToTheFirstWaiterWithTheReleasingEntryAsToken()
    {
        final long firstToken = driver.lock(A, 1, "x").token();
        assertThat(driver.lock(B, 1, "x").status()).isEqualTo(Status.PENDING);
        final long bSequence = driver.lastSequence();
        final Answer cQueued = driver.lock(C, 7, "x");
        assertThat(cQueued.status()).isEqualTo(Status.PENDING);
        assertThat(cQueued.waiterCount()).isEqualTo(2);
        assertThat(driver.takeDeferred()).isEmpty();

        final Answer released = driver.unlock(A, 1, "x");
        final long releaseIndex = driver.index();

        assertThat(released.status()).isEqualTo(Status.OK);
        assertThat(released.heldBy(B, 1)).isTrue();
        assertThat(released.token()).isEqualTo(releaseIndex).isGreaterThan(firstToken);
        assertThat(driver.takeDeferred()).containsExactly(new Deferred(B, bSequence,
            new Answer(Status.OK, releaseIndex, releaseIndex, B, 1, 1, 1)));
        assertThat(driver.isCurrentToken("x", releaseIndex)).isTrue();
        assertThat(driver.isCurrentToken("x", firstToken)).isFalse();
    }

    @Test
    void tryLockAnswersAtOnceOrTimesOutInLogTime()
    {
        driver.lock(A, 1, "x");
        final Answer immediate = driver.tryLock(B, 1, "x", 0);
        assertThat(immediate.status()).isEqualTo(Status.TIMEOUT);
        assertThat(immediate.heldBy(A, 1)).isTrue();
        assertThat(driver.table().waiterCount()).isZero();

        assertThat(driver.tryLock(B, 1, "x", 1_000).status()).isEqualTo(Status.PENDING);
        final long waitSequence = driver.lastSequence();
        driver.advance(999).tick();
        assertThat(driver.takeDeferred()).isEmpty();

        driver.advance(1).tick();
        assertThat(driver.takeDeferred()).containsExactly(new Deferred(B, waitSequence,
            new Answer(Status.TIMEOUT, driver.index(), driver.table().currentToken(LockDriver.ascii("x"), 0, 1),
                A, 1, 1, 0)));
        assertThat(driver.table().waiterCount()).isZero();

        assertThat(driver.tryLock(C, 1, "x", 5_000).status()).isEqualTo(Status.PENDING);
        driver.advance(10);
        driver.unlock(A, 1, "x");
        assertThat(driver.takeDeferred()).singleElement()
            .satisfies(d -> assertThat(d.answer().heldBy(C, 1)).isTrue());
        driver.advance(1_000_000).tick();
        assertThat(driver.takeDeferred()).as("a granted wait never times out").isEmpty();
    }

    @Test
    void unlockByANonHolderIsRefusedAndChangesNothing()
    {
        driver.lock(A, 1, "x");
        driver.lock(B, 1, "x");
        final long before = driver.table().checksum();

        assertThat(driver.unlock(B, 1, "x").status()).isEqualTo(Status.NOT_HOLDER);
        assertThat(driver.unlock(A, 2, "x").status()).isEqualTo(Status.NOT_HOLDER);
        assertThat(driver.unlock(A, 1, "never-locked").status()).isEqualTo(Status.NOT_HOLDER);
        assertThat(driver.table().checksum()).isEqualTo(before);
        assertThat(driver.takeDeferred()).isEmpty();
    }

    @Test
    void closedSessionReleasesItsLocksToTheNextLiveWaiterAndDropsItsWaits()
    {
        final long aToken = driver.lock(A, 1, "x").token();
        driver.lock(A, 2, "x");
        final long aWaitSequence = driver.lastSequence();
        driver.lock(B, 1, "x");
        final long bSequence = driver.lastSequence();
        driver.lock(B, 1, "y");
        driver.lock(A, 1, "y");
        final long aWaitOnY = driver.lastSequence();

        driver.closeSession(A);
        final long closeIndex = driver.index();

        assertThat(driver.takeDeferred()).containsExactly(
            new Deferred(A, aWaitSequence, new Answer(Status.OWNERSHIP_LOST, closeIndex, aToken, A, 1, 1, 1)),
            new Deferred(A, aWaitOnY, new Answer(Status.OWNERSHIP_LOST, closeIndex,
                driver.table().currentToken(LockDriver.ascii("y"), 0, 1), B, 1, 1, 0)),
            new Deferred(B, bSequence, new Answer(Status.OK, closeIndex, closeIndex, B, 1, 1, 0)));
        assertThat(driver.query("x").heldBy(B, 1)).isTrue();
        assertThat(driver.isCurrentToken("x", aToken)).isFalse();
        assertThat(driver.isCurrentToken("x", closeIndex)).isTrue();
    }

    @Test
    void theOldHolderGetsOwnershipLostWhenItActsOnItsToken()
    {
        final long aToken = driver.lock(A, 1, "x").token();
        driver.closeSession(A);
        final long a2 = A + 1000;

        assertThat(driver.unlock(a2, 1, "x", aToken).status()).isEqualTo(Status.OWNERSHIP_LOST);
        assertThat(driver.acquire(a2, 1, "x", 0, aToken, 0).status()).isEqualTo(Status.OWNERSHIP_LOST);

        driver.lock(B, 1, "x");
        assertThat(driver.unlock(a2, 1, "x", aToken).status()).isEqualTo(Status.OWNERSHIP_LOST);
        assertThat(driver.acquire(a2, 1, "x", LockTable.WAIT_FOREVER, aToken, 0).status())
            .isEqualTo(Status.OWNERSHIP_LOST);
        assertThat(driver.table().waiterCount()).as("a lost owner is not queued").isZero();
        assertThat(driver.unlock(a2, 1, "x").status()).isEqualTo(Status.NOT_HOLDER);
        assertThat(driver.query("x").heldBy(B, 1)).isTrue();
    }

    @Test
    void budgetsAnswerLimitExceededAndChangeNothing()
    {
        driver.close();
        driver = new LockDriver(LockDriver.context().maxLocks(2).maxWaitersPerLock(2).maxWaiters(3));
        driver.lock(A, 1, "a");
        driver.lock(A, 1, "b");
        long before = driver.table().checksum();
        assertThat(driver.lock(A, 1, "c").status()).isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(driver.table().checksum()).isEqualTo(before);

        driver.lock(B, 1, "a");
        driver.lock(B, 2, "a");
        before = driver.table().checksum();
        assertThat(driver.lock(B, 3, "a").status()).as("per lock").isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(driver.table().checksum()).isEqualTo(before);

        driver.lock(B, 1, "b");
        before = driver.table().checksum();
        assertThat(driver.lock(B, 2, "b").status()).as("in total").isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(driver.table().checksum()).isEqualTo(before);

        driver.unlock(A, 1, "b");
        assertThat(driver.lock(C, 1, "b").status()).as("room again after a grant").isEqualTo(Status.PENDING);
    }

    @Test
    void sameOwnerQueuedTwiceIsRefused()
    {
        driver.lock(A, 1, "x");
        driver.lock(B, 1, "x");
        final Answer twice = driver.tryLock(B, 1, "x", 1_000);
        assertThat(twice.status()).isEqualTo(Status.ALREADY_EXISTS);
        assertThat(twice.waiterCount()).isEqualTo(1);
    }

    @Test
    void queuedTwiceIsRefusedInEveryChainAfterTheLockMovedAndAfterARestore()
    {
        driver.close();
        driver = new LockDriver(LockDriver.context().maxLocks(4).maxWaitersPerLock(64).maxWaiters(128));
        assertThat(LockTable.bucketsPerLock(4, 64, 128)).as("several chains per lock").isEqualTo(4);
        driver.lock(A, 1, "first");
        driver.lock(A, 1, "moves");
        final int owners = 40;
        for (int owner = 1; owner <= owners; owner++)
        {
            assertThat(driver.lock(B, owner, "moves").status()).isEqualTo(Status.PENDING);
        }
        driver.unlock(A, 1, "first");
        assertThat(driver.table().lockCount()).as("'moves' now sits in the freed slot").isEqualTo(1);

        long other = C;
        for (int round = 0; round < 2; round++, other++)
        {
            for (int owner = 1; owner <= owners; owner++)
            {
                assertThat(driver.lock(B, owner, "moves").status()).as("owner %d", owner)
                    .isEqualTo(Status.ALREADY_EXISTS);
            }
            assertThat(driver.lock(other, 1, "moves").status()).isEqualTo(Status.PENDING);
            assertThat(driver.unlock(other, 1, "moves").status()).isEqualTo(Status.NOT_HOLDER);
            assertThat(driver.table().waiterCount()).isEqualTo(owners + 1);
            driver.closeSession(other);
            assertThat(driver.takeDeferred()).singleElement()
                .satisfies(lost -> assertThat(lost.answer().status()).isEqualTo(Status.OWNERSHIP_LOST));
            final long[] checksums = driver.snapshotAndRestore();
            assertThat(checksums[1]).isEqualTo(checksums[0]);
        }

        for (int owner = 1; owner <= owners; owner++)
        {
            final long holder = 1 == owner ? A : B;
            driver.unlock(holder, 1 == owner ? 1 : owner - 1, "moves");
            final List<Deferred> granted = driver.takeDeferred();
            assertThat(granted).hasSize(1);
            assertThat(granted.get(0).answer().heldBy(B, owner)).as("FIFO: owner %d", owner).isTrue();
            assertThat(driver.lock(B, owner, "moves").holdCount()).as("re-entry, not a second wait").isEqualTo(2);
            driver.unlock(B, owner, "moves");
        }
        assertThat(driver.table().waiterCount()).isZero();
    }

    @Test
    void badInputGetsAnErrorAndChangesNothing()
    {
        driver.lock(A, 1, "x");
        driver.lock(B, 1, "x");
        final long before = driver.table().checksum();

        assertThat(driver.lock(A, 1, "").status()).isEqualTo(Status.MALFORMED);
        assertThat(driver.lock(A, 1, "n".repeat(33)).status()).isEqualTo(Status.TOO_LARGE);
        assertThat(driver.unlock(A, 1, "n".repeat(33)).status()).isEqualTo(Status.TOO_LARGE);
        assertThat(driver.query("n".repeat(33)).status()).isEqualTo(Status.TOO_LARGE);
        assertThat(driver.tryLock(C, 1, "x", -2).status()).isEqualTo(Status.MALFORMED);
        assertThat(driver.acquire(C, 1, "x", 0, -5, 0).status()).isEqualTo(Status.MALFORMED);
        assertThat(driver.acquire(C, 1, "x", 0, 0, -1).status()).isEqualTo(Status.MALFORMED);
        assertThat(driver.unlock(A, 1, "x", -1).status()).isEqualTo(Status.MALFORMED);

        final UnsafeBuffer garbage = new UnsafeBuffer(new byte[64]);
        for (int i = 0; i < 64; i++)
        {
            garbage.putByte(i, (byte)(i * 37 + 5));
        }
        assertThat(driver.applyRaw(A, garbage, 64).status()).isEqualTo(Status.MALFORMED);
        assertThat(driver.applyRaw(A, garbage, 3).status()).isEqualTo(Status.MALFORMED);

        final UnsafeBuffer notACommand = new UnsafeBuffer(new byte[128]);
        final int length = LockResponses.encode(notACommand, 0, Status.OK, 1, 1, A, 1, 1, 0);
        assertThat(driver.applyRaw(A, notACommand, length).status()).isEqualTo(Status.MALFORMED);

        final UnsafeBuffer truncated = new UnsafeBuffer(new byte[128]);
        final int full = new LockCommands().acquire(truncated, 0, LockDriver.ascii("x"), 0, 1, 1, 0, 0, 0);
        assertThat(driver.applyRaw(A, truncated, full - 1).status()).isEqualTo(Status.MALFORMED);

        assertThat(driver.table().checksum()).isEqualTo(before);
        assertThat(driver.query("x").heldBy(A, 1)).isTrue();
    }

    @Test
    void queryReportsHolderHoldCountTokenAndQueue()
    {
        assertThat(driver.query("x")).isEqualTo(Answer.free(Status.OK, driver.index()));
        final long token = driver.lock(A, 4, "x").token();
        driver.lock(A, 4, "x");
        driver.lock(B, 1, "x");

        assertThat(driver.query("x")).isEqualTo(new Answer(Status.OK, driver.index(), token, A, 4, 2, 1));
    }

    @Test
    void fenceAcceptsOnlyTheCurrentHoldersToken()
    {
        final long token = driver.lock(A, 1, "x").token();
        driver.lock(A, 1, "y");

        assertThat(driver.isCurrentToken("x", token)).isTrue();
        assertThat(driver.isCurrentToken("x", token + 1)).isFalse();
        assertThat(driver.isCurrentToken("x", token - 1)).isFalse();
        assertThat(driver.isCurrentToken("z", token)).isFalse();
        assertThat(driver.isCurrentToken("x", 0)).isFalse();
        assertThat(driver.isCurrentToken("", token)).isFalse();
        assertThat(driver.isCurrentToken("x".repeat(40), token)).isFalse();

        driver.unlock(A, 1, "x");
        assertThat(driver.isCurrentToken("x", token)).isFalse();
    }

    @Test
    void everyByteOfANameCountsInItsHashAndItsLookupAtEveryLength()
    {
        for (int length = 1; length <= 32; length++)
        {
            final StringBuilder name = new StringBuilder();
            for (int i = 0; i < length; i++)
            {
                name.append((char)('a' + (i * 7 + length) % 26));
            }
            final long token = driver.lock(A, 1, name.toString()).token();
            // An exact-size buffer: with bounds checks on, a read outside the name throws.
            final int hash = LockTable.hash(LockDriver.ascii(name.toString()), 0, length);
            for (int position = 0; position < length; position++)
            {
                final StringBuilder other = new StringBuilder(name);
                other.setCharAt(position, Character.toUpperCase(name.charAt(position)));
                final String changed = other.toString();
                assertThat(LockTable.hash(LockDriver.ascii(changed), 0, length))
                    .as("length %d, byte %d", length, position).isNotEqualTo(hash);
                assertThat(driver.isCurrentToken(changed, token)).as("length %d, byte %d", length, position)
                    .isFalse();
                assertThat(driver.query(changed).holdCount()).isZero();
            }
            assertThat(driver.isCurrentToken(name.toString(), token)).isTrue();
            assertThat(driver.unlock(A, 1, name.toString()).status()).isEqualTo(Status.OK);
        }
        assertThat(LockTable.hash(LockDriver.ascii("ab"), 0, 2)).as("the length counts")
            .isNotEqualTo(LockTable.hash(LockDriver.ascii("ab\0"), 0, 3));
        assertThat(driver.table().lockCount()).isZero();
    }

    @Test
    void manyLocksSurviveRemovalInAnyOrder()
    {
        driver.close();
        driver = new LockDriver(LockDriver.context().maxLocks(64).maxNameLength(24));
        final long[] tokens = new long[64];
        for (int i = 0; i < 64; i++)
        {
            tokens[i] = driver.lock(A, 1, "lock-" + i).token();
        }
        for (int i = 0; i < 64; i += 3)
        {
            driver.unlock(A, 1, "lock-" + i);
        }
        for (int i = 0; i < 64; i++)
        {
            assertThat(driver.isCurrentToken("lock-" + i, tokens[i])).as("lock-%d", i).isEqualTo(i % 3 != 0);
        }
        assertThat(driver.table().lockCount()).isEqualTo(64 - 22);
    }

    @Test
    void snapshotRoundTripGivesTheSameChecksumAndTheSameBehaviour()
    {
        driver.lock(A, 1, "x");
        driver.tryLock(B, 1, "x", 500);
        final long bSequence = driver.lastSequence();
        driver.lock(C, 1, "x");
        driver.lock(C, 2, "y");
        driver.lock(C, 2, "y");

        final long[] checksums = driver.snapshotAndRestore();
        assertThat(checksums[1]).isEqualTo(checksums[0]);

        driver.advance(500).tick();
        assertThat(driver.takeDeferred()).extracting(Deferred::requestSequence).containsExactly(bSequence);
        driver.unlock(A, 1, "x");
        assertThat(driver.query("x").heldBy(C, 1)).isTrue();
        assertThat(driver.query("y").holdCount()).isEqualTo(2);
    }

    @Test
    void restoreRefusesASnapshotThatIsNotConsistentAndLeavesTheTableEmpty()
    {
        driver.lock(A, 1, "x");
        driver.lock(B, 1, "x");
        driver.lock(C, 1, "x");
        final InMemorySnapshot snapshot = new InMemorySnapshot();
        driver.table().snapshot(snapshot);

        final int lockRecordStart = 20;
        final int nameLength = 1;
        final int queueLengthOffset = lockRecordStart + 4 + nameLength + 28;
        final int firstWaiterStart = queueLengthOffset + 4;
        final int secondWaiterStart = firstWaiterStart + 40;
        assertRefused(snapshot, 0, (byte)0x55);
        assertRefused(snapshot, 8, (byte)1);
        assertRefused(snapshot, 16, (byte)1);
        assertRefused(snapshot, queueLengthOffset, (byte)1);
        assertRefused(snapshot, queueLengthOffset, (byte)3);
        assertRefused(snapshot, lockRecordStart, (byte)1);
        assertRefused(snapshot, firstWaiterStart, (byte)(B ^ A));
        assertRefused(snapshot, secondWaiterStart, (byte)(C ^ B));
        try (LockTable table = new LockTable(LockDriver.context().deferredResponses(DeferredResponses.NONE)))
        {
            table.restore(copy(snapshot, secondWaiterStart, (byte)(C ^ 44)).rewind());
            assertThat(table.waiterCount()).as("another session in the same place is consistent").isEqualTo(2);
        }

        final InMemorySnapshot truncated = new InMemorySnapshot();
        truncated.write(snapshot.buffer(), 0, snapshot.length() - 1);
        assertThatRestoreFails(truncated, LockDriver.context());

        final InMemorySnapshot intact = copy(snapshot, -1, (byte)0);
        assertThatRestoreFails(intact, LockDriver.context().maxWaitersPerLock(1));
    }

    @Test
    void contextRefusesBudgetsOutOfRange()
    {
        assertThatThrownBy(() -> new LockTableContext().deferredResponses(DeferredResponses.NONE).maxLocks(0)
            .conclude()).hasMessageContaining("maxLocks");
        assertThatThrownBy(() -> new LockTableContext().deferredResponses(DeferredResponses.NONE)
            .maxNameLength(2000).conclude()).hasMessageContaining("maxNameLength");
        assertThatThrownBy(() -> new LockTableContext().conclude()).hasMessageContaining("deferredResponses");
        assertThatThrownBy(() -> new LockTableContext().deferredResponses(DeferredResponses.NONE)
            .maxLocks(1 << 24).maxNameLength(1024).conclude()).hasMessageContaining("maxLocks * maxNameLength");
    }

    private static void assertRefused(final InMemorySnapshot snapshot, final int offset, final byte xor)
    {
        assertThatRestoreFails(copy(snapshot, offset, xor), LockDriver.context());
    }

    private static void assertThatRestoreFails(final InMemorySnapshot snapshot, final LockTableContext context)
    {
        try (LockTable table = new LockTable(context.deferredResponses(DeferredResponses.NONE)))
        {
            assertThatThrownBy(() -> table.restore(snapshot.rewind()))
                .isInstanceOfSatisfying(GridException.class, ex -> assertThat(ex.status()).isEqualTo(Status.MALFORMED));
            assertThat(table.lockCount()).isZero();
            assertThat(table.waiterCount()).isZero();
            assertThat(table.isCurrentToken(LockDriver.ascii("x"), 0, 1, 1)).isFalse();
        }
    }

    private static InMemorySnapshot copy(final InMemorySnapshot snapshot, final int offset, final byte xor)
    {
        final byte[] bytes = new byte[snapshot.length()];
        snapshot.buffer().getBytes(0, bytes);
        if (offset >= 0)
        {
            bytes[offset] ^= xor;
        }
        final InMemorySnapshot copy = new InMemorySnapshot();
        copy.write(new UnsafeBuffer(bytes), 0, bytes.length);
        return copy;
    }

}
