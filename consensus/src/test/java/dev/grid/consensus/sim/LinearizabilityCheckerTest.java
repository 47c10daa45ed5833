package dev.grid.consensus.sim;

import dev.grid.consensus.sim.LinearizabilityChecker.Operation;
import dev.grid.consensus.sim.LinearizabilityChecker.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.grid.consensus.sim.RegisterCommands.OP_CAS;
import static dev.grid.consensus.sim.RegisterCommands.OP_READ;
import static dev.grid.consensus.sim.RegisterCommands.OP_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

class LinearizabilityCheckerTest
{
    private static final long BOUND = 1_000_000;

    private static Operation write(final int key, final long value, final long call, final long ret)
    {
        return new Operation(0, key, OP_WRITE, value, 0, call).complete(ret, true, value);
    }

    private static Operation read(final int key, final long value, final long call, final long ret)
    {
        return new Operation(1, key, OP_READ, 0, 0, call).complete(ret, true, value);
    }

    private static Operation cas(final int key, final long expected, final long value, final boolean ok,
        final long call, final long ret)
    {
        return new Operation(2, key, OP_CAS, value, expected, call).complete(ret, ok, ok ? value : -1);
    }

    private static Result check(final Operation... ops)
    {
        return LinearizabilityChecker.check(List.of(ops), LinearizabilityChecker.REGISTER, BOUND);
    }

    @Test
    void sequentialHistoryIsLinearizable()
    {
        assertThat(check(write(0, 1, 0, 10), read(0, 1, 20, 30), cas(0, 1, 2, true, 40, 50), read(0, 2, 60, 70)))
            .isEqualTo(Result.LINEARIZABLE);
    }

    @Test
    void staleReadAfterACompletedWriteIsNotLinearizable()
    {
        assertThat(check(write(0, 1, 0, 10), read(0, 0, 20, 30))).isEqualTo(Result.NOT_LINEARIZABLE);
    }

    @Test
    void readConcurrentWithAWriteMaySeeEitherValue()
    {
        assertThat(check(write(0, 1, 0, 100), read(0, 0, 10, 20))).isEqualTo(Result.LINEARIZABLE);
        assertThat(check(write(0, 1, 0, 100), read(0, 1, 10, 20))).isEqualTo(Result.LINEARIZABLE);
    }

    @Test
    void readsMustNotGoBackOnceANewValueWasSeen()
    {
        assertThat(check(write(0, 1, 0, 100), read(0, 1, 10, 20), read(0, 0, 30, 40)))
            .isEqualTo(Result.NOT_LINEARIZABLE);
    }

    @Test
    void valueNobodyWroteIsNotLinearizable()
    {
        assertThat(check(write(0, 1, 0, 10), read(0, 7, 5, 30))).isEqualTo(Result.NOT_LINEARIZABLE);
    }

    @Test
    void twoCompareAndSetsCannotBothWinFromTheSameValue()
    {
        assertThat(check(write(0, 1, 0, 10), cas(0, 1, 2, true, 20, 40), cas(0, 1, 3, true, 25, 45)))
            .isEqualTo(Result.NOT_LINEARIZABLE);
        assertThat(check(write(0, 1, 0, 10), cas(0, 1, 2, true, 20, 40), cas(0, 1, 3, false, 25, 45)))
            .isEqualTo(Result.LINEARIZABLE);
        assertThat(check(write(0, 1, 0, 10), cas(0, 5, 2, false, 20, 40), read(0, 1, 50, 60)))
            .isEqualTo(Result.LINEARIZABLE);
    }

    @Test
    void operationWithAnUnknownOutcomeMayTakeEffectLateOrNever()
    {
        final Operation pendingWrite = new Operation(3, 0, OP_WRITE, 5, 0, 0);
        assertThat(check(pendingWrite, read(0, 5, 100, 110))).isEqualTo(Result.LINEARIZABLE);
        final Operation neverApplied = new Operation(3, 0, OP_WRITE, 5, 0, 0);
        assertThat(check(neverApplied, read(0, 0, 100, 110))).isEqualTo(Result.LINEARIZABLE);
        final Operation unknown = new Operation(3, 0, OP_WRITE, 5, 0, 50);
        assertThat(check(unknown, read(0, 5, 10, 20))).as("cannot take effect before it was called")
            .isEqualTo(Result.NOT_LINEARIZABLE);
    }

    @Test
    void keysAreCheckedIndependently()
    {
        final List<Operation> history = List.of(
            write(0, 1, 0, 10), read(0, 1, 20, 30),
            write(1, 1, 0, 10), read(1, 0, 20, 30));
        assertThat(LinearizabilityChecker.check(history, LinearizabilityChecker.REGISTER, BOUND))
            .isEqualTo(Result.NOT_LINEARIZABLE);
        assertThat(LinearizabilityChecker.failingKeys(history, LinearizabilityChecker.REGISTER, BOUND))
            .containsExactly(1);
    }

    @Test
    void searchPastItsBoundIsUnknownNotAVerdict()
    {
        final List<Operation> history = new ArrayList<>();
        for (int i = 0; i < 12; i++)
        {
            history.add(write(0, i, 0, 1_000));
        }
        history.add(read(0, 999, 0, 1_000));
        assertThat(LinearizabilityChecker.check(history, LinearizabilityChecker.REGISTER, 50))
            .isEqualTo(Result.UNKNOWN);
        assertThat(LinearizabilityChecker.check(history, LinearizabilityChecker.REGISTER, 10_000_000))
            .isEqualTo(Result.NOT_LINEARIZABLE);
    }

    @Test
    void longConcurrentLinearizableHistoryIsCheckedWithinTheBound()
    {
        final List<Operation> history = new ArrayList<>();
        long value = 0;
        for (int i = 0; i < 2_000; i++)
        {
            final long t = i * 10L;
            history.add(write(0, ++value, t, t + 25));
            history.add(read(0, value, t + 26, t + 40));
        }
        assertThat(LinearizabilityChecker.check(history, LinearizabilityChecker.REGISTER, BOUND))
            .isEqualTo(Result.LINEARIZABLE);
    }
}
