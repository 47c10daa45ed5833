package dev.grid.consensus.sim;

import dev.grid.consensus.RaftNode;
import dev.grid.consensus.RaftRole;
import dev.grid.core.LogEntryView;
import dev.grid.core.StateChecksum;
import dev.grid.core.StateMachine;
import dev.grid.log.RaftLog;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Raft's safety properties, checked while a simulation runs:
 * <ul>
 *     <li>election safety: at most one leader per term;</li>
 *     <li>log matching: two logs with an entry of the same index and term agree on every entry up to it;</li>
 *     <li>leader completeness: a new leader's log holds every entry any node has applied;</li>
 *     <li>state machine safety: every node applies the same entry at each index, and the state checksums (services
 *     and session table) are equal at equal applied index;</li>
 *     <li>log time never goes backwards on a node, across leaders;</li>
 *     <li>exactly-once: a request (session, sequence) is applied by the services at one index only, however often
 *     it was retried;</li>
 *     <li>liveness: after the faults heal, a leader leads and every client finishes within a bound.</li>
 * </ul>
 */
public final class SafetyChecker
{
    private static final int MAX_VIOLATIONS = 10;

    private SimulatedCluster cluster;
    private final List<String> violations = new ArrayList<>();
    private final Map<Long, Integer> leaderByTerm = new HashMap<>();
    private final Map<Long, long[]> appliedEntries = new HashMap<>();
    private final Map<Long, Long> stateChecksums = new HashMap<>();
    private final Map<RequestKey, Long> appliedRequests = new HashMap<>();
    private final StateChecksum mix = new StateChecksum();
    private long[] lastAppliedTimestamp;
    private long[] leaderTermChecked;
    private long maxAppliedIndex;
    private long entriesApplied;

    private record RequestKey(long sessionId, long requestSequence)
    {
    }

    void attach(final SimulatedCluster cluster)
    {
        this.cluster = cluster;
        lastAppliedTimestamp = new long[cluster.nodeCount()];
        leaderTermChecked = new long[cluster.nodeCount()];
        Arrays.fill(leaderTermChecked, -1);
    }

    public List<String> violations()
    {
        return violations;
    }

    public boolean hasViolations()
    {
        return !violations.isEmpty();
    }

    public long entriesApplied()
    {
        return entriesApplied;
    }

    public long maxAppliedIndex()
    {
        return maxAppliedIndex;
    }

    void violation(final String description)
    {
        if (violations.size() < MAX_VIOLATIONS)
        {
            violations.add("t=" + cluster.nowNs() / 1_000_000 + "ms " + description);
        }
    }

    void onStart(final int node)
    {
        lastAppliedTimestamp[node] = 0;
        leaderTermChecked[node] = -1;
    }

    void onCrash(final int node)
    {
        leaderTermChecked[node] = -1;
    }

    void onApplied(final int node, final LogEntryView entry)
    {
        entriesApplied++;
        final long index = entry.index();

        maxAppliedIndex = Math.max(maxAppliedIndex, index);
        final long[] seen = appliedEntries.get(index);
        if (null == seen)
        {
            final RaftNode raft = cluster.raft(node);
            appliedEntries.put(index, new long[]{ entry.term(), entry.checksum(), node, raft.term() });
        }
        else if (seen[0] != entry.term() || seen[1] != entry.checksum())
        {
            violation("state machine safety: node " + (node + 1) + " applied term " + entry.term() + " at index " +
                index + " where node " + (seen[2] + 1) + " applied term " + seen[0]);
        }
        if (entry.timestamp() < lastAppliedTimestamp[node])
        {
            violation("log time went backwards on node " + (node + 1) + " at index " + index);
        }
        lastAppliedTimestamp[node] = entry.timestamp();

        final long checksum = stateChecksum(node);
        final Long expected = stateChecksums.putIfAbsent(index, checksum);
        if (null != expected && expected != checksum)
        {
            violation("state checksum of node " + (node + 1) + " differs at applied index " + index);
        }
    }

    private long stateChecksum(final int node)
    {
        mix.reset();
        for (final Map.Entry<Integer, StateMachine> e : new TreeMap<>(cluster.services(node)).entrySet())
        {
            mix.update(e.getKey()).update(e.getValue().checksum());
        }
        final RaftNode raft = cluster.raft(node);
        if (null != raft)
        {
            mix.update(raft.sessionChecksum());
        }
        return mix.value();
    }

    void onServiceApplied(final int serviceId, final long index, final long sessionId, final long requestSequence)
    {
        final Long previous = appliedRequests.putIfAbsent(new RequestKey(sessionId, requestSequence), index);
        if (null != previous && previous != index)
        {
            violation("exactly-once: request (session " + sessionId + ", seq " + requestSequence +
                ") of service " + serviceId + " applied at index " + previous + " and again at " + index);
        }
    }

    void afterNodeEvent(final int node)
    {
        final RaftNode raft = cluster.raft(node);
        if (null == raft)
        {
            return;
        }
        if (raft.appliedIndex() > raft.commitIndex() || raft.commitIndex() > raft.log().lastIndex())
        {
            violation("node " + (node + 1) + " has applied " + raft.appliedIndex() + " > commit " +
                raft.commitIndex() + " or commit > last " + raft.log().lastIndex());
        }
        if (raft.role() != RaftRole.LEADER || leaderTermChecked[node] == raft.term())
        {
            return;
        }
        leaderTermChecked[node] = raft.term();
        final Integer previous = leaderByTerm.putIfAbsent(raft.term(), raft.nodeId());
        if (null != previous && previous != raft.nodeId())
        {
            violation("election safety: nodes " + previous + " and " + raft.nodeId() + " both lead term " +
                raft.term());
        }
        checkLeaderCompleteness(raft);
    }

    /**
     * A new leader of term T must hold every entry committed in an earlier term. The term an entry was committed in
     * is estimated by the term of the first node to apply it, which is never below the real one (a node learns of a
     * commit from the leader of its term or later), so the check never accuses a leader of an old term (one that was
     * paused while winning, say) of missing entries committed after its term.
     */
    private void checkLeaderCompleteness(final RaftNode leader)
    {
        final RaftLog log = leader.log();
        for (long index = log.firstIndex(); index <= maxAppliedIndex; index++)
        {
            final long[] applied = appliedEntries.get(index);
            if (null == applied || applied[3] >= leader.term())
            {
                continue;
            }
            if (index > log.lastIndex())
            {
                violation("leader completeness: leader " + leader.nodeId() + " of term " + leader.term() +
                    " has log up to " + log.lastIndex() + " but index " + index + " was committed in term " +
                    applied[3] + " or earlier");
                return;
            }
            final LogEntryView entry = log.entry(index);
            if (entry.term() != applied[0] || entry.checksum() != applied[1])
            {
                violation("leader completeness: leader " + leader.nodeId() + " of term " + leader.term() +
                    " has term " + entry.term() + " at applied index " + index + " (applied term " +
                    applied[0] + ")");
                return;
            }
        }
    }

    /**
     * Log matching, pairwise over every node's log (crashed nodes' logs hold what survived).
     */
    void checkLogs()
    {
        final int n = cluster.nodeCount();
        for (int a = 0; a < n; a++)
        {
            for (int b = a + 1; b < n; b++)
            {
                checkPair(a, b);
            }
        }
    }

    private void checkPair(final int a, final int b)
    {
        final RaftLog logA = cluster.log(a);
        final RaftLog logB = cluster.log(b);
        final long low = Math.max(logA.firstIndex(), logB.firstIndex());
        long high = Math.min(logA.lastIndex(), logB.lastIndex());
        while (high >= low && logA.termAt(high) != logB.termAt(high))
        {
            high--;
        }
        for (long index = high; index >= low; index--)
        {
            final long termA = logA.termAt(index);
            final int checksumA = logA.entry(index).checksum();
            final int checksumB = logB.entry(index).checksum();
            if (termA != logB.termAt(index) || checksumA != checksumB)
            {
                violation("log matching: nodes " + (a + 1) + " and " + (b + 1) + " agree on index " + high +
                    " but differ at " + index);
                return;
            }
        }
    }

    void checkLiveness(final List<SimClient> clients, final long healAtNs, final long endNs)
    {
        if (!cluster.hasStableLeader())
        {
            violation("liveness: no stable leader " + (endNs - healAtNs) / 1_000_000 + "ms after the faults healed");
        }
        final long bound = cluster.config().livenessBoundNs;
        if (Boolean.getBoolean("grid.sim.debug"))
        {
            for (int i = 0; i < cluster.nodeCount(); i++)
            {
                System.out.println("  " + cluster.raft(i) + " sessions=" + (null == cluster.raft(i) ? -1 :
                    cluster.raft(i).sessionCount()));
            }
        }
        for (final SimClient client : clients)
        {
            final long since = client.outstandingSinceNs();
            if (since >= 0 && endNs - since > bound)
            {
                violation("liveness: client " + client.clientId() + " has waited " + (endNs - since) / 1_000_000 +
                    "ms for an operation");
            }
            if (Boolean.getBoolean("grid.sim.debug"))
            {
                System.out.println("  " + client);
            }
            if (client.completedSince(healAtNs + (endNs - healAtNs) / 2) == 0)
            {
                violation("liveness: client " + client.clientId() + " completed nothing in the second half of " +
                    "the window after the faults healed");
            }
        }
    }
}
