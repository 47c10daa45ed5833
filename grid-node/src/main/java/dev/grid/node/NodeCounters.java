package dev.grid.node;

import dev.grid.consensus.RaftNode;
import io.aeron.Aeron;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A node's state as counters in the media driver's counters file, where another process (a monitoring tool,
 * {@code grid stat} through dev.grid.cli.CounterFile) reads them as AeronStat does. The agent updates them every duty
 * cycle: a handful of ordered stores, no allocation.
 */
public final class NodeCounters implements AutoCloseable
{
    /** Counter type ids (Aeron reserves those below 1000; the transport's are 1101-1105). */
    public static final int ROLE_TYPE_ID = 1201;
    public static final int TERM_TYPE_ID = 1202;
    public static final int LEADER_TYPE_ID = 1203;
    public static final int COMMIT_INDEX_TYPE_ID = 1204;
    public static final int APPLIED_INDEX_TYPE_ID = 1205;
    public static final int SESSIONS_TYPE_ID = 1206;
    public static final int ELECTIONS_TYPE_ID = 1207;
    public static final int SNAPSHOTS_TYPE_ID = 1208;
    public static final int MALFORMED_PEER_TYPE_ID = 1209;
    public static final int MALFORMED_CLIENT_TYPE_ID = 1210;

    private final AtomicCounter role;
    private final AtomicCounter term;
    private final AtomicCounter leader;
    private final AtomicCounter commitIndex;
    private final AtomicCounter appliedIndex;
    private final AtomicCounter sessions;
    private final AtomicCounter elections;
    private final AtomicCounter snapshots;
    private final AtomicCounter malformedPeer;
    final AtomicCounter malformedClient;

    NodeCounters(final Aeron aeron, final int memberId)
    {
        final String prefix = "grid node=" + memberId + " ";
        role = aeron.addCounter(ROLE_TYPE_ID, prefix + "role (0 follower, 1 pre-candidate, 2 candidate, 3 leader)");
        term = aeron.addCounter(TERM_TYPE_ID, prefix + "term");
        leader = aeron.addCounter(LEADER_TYPE_ID, prefix + "leader member id");
        commitIndex = aeron.addCounter(COMMIT_INDEX_TYPE_ID, prefix + "commit index");
        appliedIndex = aeron.addCounter(APPLIED_INDEX_TYPE_ID, prefix + "applied index");
        sessions = aeron.addCounter(SESSIONS_TYPE_ID, prefix + "client sessions");
        elections = aeron.addCounter(ELECTIONS_TYPE_ID, prefix + "elections started");
        snapshots = aeron.addCounter(SNAPSHOTS_TYPE_ID, prefix + "snapshots taken");
        malformedPeer = aeron.addCounter(MALFORMED_PEER_TYPE_ID, prefix + "malformed peer messages dropped");
        malformedClient = aeron.addCounter(MALFORMED_CLIENT_TYPE_ID, prefix + "malformed client messages dropped");
    }

    void update(final RaftNode raft)
    {
        role.setRelease(raft.role().ordinal());
        term.setRelease(raft.term());
        leader.setRelease(raft.leaderId());
        commitIndex.setRelease(raft.commitIndex());
        appliedIndex.setRelease(raft.appliedIndex());
        sessions.setRelease(raft.sessionCount());
        elections.setRelease(raft.electionsStarted());
        snapshots.setRelease(raft.snapshotsTaken());
        malformedPeer.setRelease(raft.malformedMessageCount());
    }

    public void close()
    {
        CloseHelper.closeAll(role, term, leader, commitIndex, appliedIndex, sessions, elections, snapshots,
            malformedPeer, malformedClient);
    }
}
