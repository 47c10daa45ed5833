package dev.grid.consensus.sim;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a concurrent history of operations on independent keys is linearizable: the Wing-Gong algorithm with
 * Lowe's just-in-time linearization and memoization, as Porcupine does it. The history is partitioned by key (each
 * key is an independent object, so the whole is linearizable iff every part is); each part is searched depth-first
 * over linearization points, remembering every (set of linearized operations, state) pair already explored so no
 * configuration is searched twice. The search is bounded: past {@code maxSteps} a part is reported UNKNOWN rather
 * than running for ever.
 * <p>
 * An operation whose outcome the client never learned (it timed out and gave up, or its session expired) returns at
 * infinity with an unknown output: it may take effect at any point after its call, or never (placing it last is
 * the same as never).
 */
public final class LinearizabilityChecker
{
    /** A model's answer for an operation that cannot take effect in the given state. */
    public static final long REJECT = Long.MIN_VALUE;

    /** The sequential specification of one object. */
    public interface Model
    {
        long initialState();

        /**
         * @return the state after the operation, or {@link #REJECT} if its recorded output is impossible here.
         */
        long step(long state, Operation operation);
    }

    /** The outcome of a check. */
    public enum Result
    {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        UNKNOWN
    }

    /** One operation of the history. */
    public static final class Operation
    {
        public final int clientId;
        public final int key;
        public final byte kind;
        public final long value;
        public final long expected;
        public final long callNs;
        public long returnNs = Long.MAX_VALUE;
        public boolean outputKnown;
        public boolean succeeded;
        public long output;

        public Operation(final int clientId, final int key, final byte kind, final long value, final long expected,
            final long callNs)
        {
            this.clientId = clientId;
            this.key = key;
            this.kind = kind;
            this.value = value;
            this.expected = expected;
            this.callNs = callNs;
        }

        public Operation complete(final long returnNs, final boolean succeeded, final long output)
        {
            this.returnNs = returnNs;
            this.outputKnown = true;
            this.succeeded = succeeded;
            this.output = output;
            return this;
        }

        public String toString()
        {
            return "{c" + clientId + " k" + key + " " + kindName(kind) + "(" + value + "," + expected + ") [" +
                callNs + "," + (returnNs == Long.MAX_VALUE ? "inf" : String.valueOf(returnNs)) + "] -> " +
                (outputKnown ? (succeeded ? "ok " : "fail ") + output : "?") + "}";
        }

        private static String kindName(final byte kind)
        {
            switch (kind)
            {
                case RegisterCommands.OP_WRITE:
                    return "write";
                case RegisterCommands.OP_READ:
                    return "read";
                case RegisterCommands.OP_CAS:
                    return "cas";
                default:
                    return "op" + kind;
            }
        }
    }

    /** The register model: write(v), read() -> v, cas(expected, v) -> succeeded. Registers start at 0. */
    public static final Model REGISTER = new Model()
    {
        public long initialState()
        {
            return 0;
        }

        public long step(final long state, final Operation op)
        {
            switch (op.kind)
            {
                case RegisterCommands.OP_WRITE:
                    return op.value;
                case RegisterCommands.OP_READ:
                    return !op.outputKnown || op.output == state ? state : REJECT;
                case RegisterCommands.OP_CAS:
                    if (!op.outputKnown)
                    {
                        return state == op.expected ? op.value : state;
                    }
                    if (op.succeeded)
                    {
                        return state == op.expected ? op.value : REJECT;
                    }
                    return state != op.expected ? state : REJECT;
                default:
                    throw new IllegalArgumentException("unknown operation " + op);
            }
        }
    };

    private LinearizabilityChecker()
    {
    }

    /**
     * Checks every key's part of the history.
     *
     * @return NOT_LINEARIZABLE if any part is not, else UNKNOWN if any search hit its bound, else LINEARIZABLE.
     */
    public static Result check(final List<Operation> history, final Model model, final long maxStepsPerKey)
    {
        final Map<Integer, List<Operation>> byKey = new HashMap<>();
        for (final Operation op : history)
        {
            if (op.kind == RegisterCommands.OP_READ && !op.outputKnown)
            {
                continue;
            }
            byKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
        }
        Result result = Result.LINEARIZABLE;
        for (final List<Operation> part : byKey.values())
        {
            final Result partResult = checkPart(part, model, maxStepsPerKey);
            if (partResult == Result.NOT_LINEARIZABLE)
            {
                return partResult;
            }
            if (partResult == Result.UNKNOWN)
            {
                result = Result.UNKNOWN;
            }
        }
        return result;
    }

    /**
     * @return the keys whose part of the history is not linearizable, for a report.
     */
    public static List<Integer> failingKeys(final List<Operation> history, final Model model, final long maxSteps)
    {
        final Map<Integer, List<Operation>> byKey = new HashMap<>();
        for (final Operation op : history)
        {
            if (!(op.kind == RegisterCommands.OP_READ && !op.outputKnown))
            {
                byKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
            }
        }
        final List<Integer> keys = new ArrayList<>();
        for (final Map.Entry<Integer, List<Operation>> e : byKey.entrySet())
        {
            if (checkPart(e.getValue(), model, maxSteps) == Result.NOT_LINEARIZABLE)
            {
                keys.add(e.getKey());
            }
        }
        return keys;
    }

    private static final class Entry
    {
        final int id;
        final boolean call;
        final long time;
        Entry match;
        Entry prev;
        Entry next;

        Entry(final int id, final boolean call, final long time)
        {
            this.id = id;
            this.call = call;
            this.time = time;
        }
    }

    private static final class CacheKey
    {
        final BitSet linearized;
        final long state;

        CacheKey(final BitSet linearized, final long state)
        {
            this.linearized = linearized;
            this.state = state;
        }

        public boolean equals(final Object o)
        {
            return o instanceof CacheKey && ((CacheKey)o).state == state && ((CacheKey)o).linearized.equals(linearized);
        }

        public int hashCode()
        {
            return linearized.hashCode() * 31 + Long.hashCode(state);
        }
    }

    static Result checkPart(final List<Operation> ops, final Model model, final long maxSteps)
    {
        final List<Entry> entries = new ArrayList<>(ops.size() * 2);
        for (int i = 0; i < ops.size(); i++)
        {
            final Entry call = new Entry(i, true, ops.get(i).callNs);
            final Entry ret = new Entry(i, false, ops.get(i).returnNs);
            call.match = ret;
            entries.add(call);
            entries.add(ret);
        }
        entries.sort((a, b) ->
        {
            final int byTime = Long.compare(a.time, b.time);
            if (byTime != 0)
            {
                return byTime;
            }
            return Boolean.compare(!a.call, !b.call);
        });
        final Entry head = new Entry(-1, false, Long.MIN_VALUE);
        Entry last = head;
        for (final Entry e : entries)
        {
            last.next = e;
            e.prev = last;
            last = e;
        }

        final Set<CacheKey> cache = new HashSet<>();
        final BitSet linearized = new BitSet(ops.size());
        final ArrayList<Entry> stackEntries = new ArrayList<>();
        final ArrayList<Long> stackStates = new ArrayList<>();
        long state = model.initialState();
        Entry entry = head.next;
        long steps = 0;
        while (null != head.next)
        {
            if (++steps > maxSteps)
            {
                return Result.UNKNOWN;
            }
            if (null == entry)
            {
                return Result.NOT_LINEARIZABLE;
            }
            if (entry.call)
            {
                final long next = model.step(state, ops.get(entry.id));
                if (next != REJECT)
                {
                    final BitSet candidate = (BitSet)linearized.clone();
                    candidate.set(entry.id);
                    if (cache.add(new CacheKey(candidate, next)))
                    {
                        stackEntries.add(entry);
                        stackStates.add(state);
                        state = next;
                        linearized.set(entry.id);
                        lift(entry);
                        entry = head.next;
                        continue;
                    }
                }
                entry = entry.next;
            }
            else
            {
                if (stackEntries.isEmpty())
                {
                    return Result.NOT_LINEARIZABLE;
                }
                final Entry top = stackEntries.remove(stackEntries.size() - 1);
                state = stackStates.remove(stackStates.size() - 1);
                linearized.clear(top.id);
                unlift(top);
                entry = top.next;
            }
        }
        return Result.LINEARIZABLE;
    }

    private static void lift(final Entry call)
    {
        call.prev.next = call.next;
        if (null != call.next)
        {
            call.next.prev = call.prev;
        }
        final Entry ret = call.match;
        ret.prev.next = ret.next;
        if (null != ret.next)
        {
            ret.next.prev = ret.prev;
        }
    }

    private static void unlift(final Entry call)
    {
        final Entry ret = call.match;
        ret.prev.next = ret;
        if (null != ret.next)
        {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        if (null != call.next)
        {
            call.next.prev = call;
        }
    }
}
