package dev.grid.node;

import dev.grid.cache.CacheStateMachine;
import dev.grid.consensus.RaftNode;
import dev.grid.locks.LockTable;
import io.aeron.Aeron;
import io.aeron.driver.status.DutyCycleStallTracker;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A node's state as counters in the media driver's counters file, where another process (a monitoring tool,
 * {@code grid stat} through dev.grid.cli.CounterFile) reads them as AeronStat does: Raft's, then each cache's (one set
 * per cache, labelled with its name), then the lock table's. The agent copies them from Raft and the state machines'
 * getters every duty cycle: ordered stores of fields those keep anyway, no allocation.
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
    /** Per cache: {@link CacheStateMachine#hits()} and the other replicated stats of {@code CacheStats}. */
    public static final int CACHE_HITS_TYPE_ID = 1211;
    public static final int CACHE_MISSES_TYPE_ID = 1212;
    public static final int CACHE_EVICTIONS_TYPE_ID = 1213;
    public static final int CACHE_EXPIRATIONS_TYPE_ID = 1214;
    public static final int CACHE_ENTRIES_TYPE_ID = 1215;
    public static final int CACHE_BYTES_USED_TYPE_ID = 1216;
    /** Per cache: the reads this node answered ({@link CacheStateMachine#queryHits()}, not replicated). */
    public static final int CACHE_READ_HITS_TYPE_ID = 1217;
    public static final int CACHE_READ_MISSES_TYPE_ID = 1218;
    /** The lock table: gauges, then counts since the node started. */
    public static final int LOCKS_HELD_TYPE_ID = 1219;
    public static final int LOCK_WAITERS_TYPE_ID = 1220;
    public static final int LOCK_GRANTS_TYPE_ID = 1221;
    public static final int LOCK_HAND_OFFS_TYPE_ID = 1222;
    public static final int LOCK_SESSION_RELEASES_TYPE_ID = 1223;
    public static final int LOCK_WAIT_TIMEOUTS_TYPE_ID = 1224;
    public static final int LOCK_REFUSALS_TYPE_ID = 1225;
    public static final int FENCED_WRITES_TYPE_ID = 1226;

    public static final int MAX_DUTY_CYCLE_TYPE_ID = 1227;
    public static final int SLOW_DUTY_CYCLES_TYPE_ID = 1228;
    /** Per cache: its off-heap regions on huge pages ({@link CacheStateMachine#hugePageRegions()}), set at start. */
    public static final int CACHE_HUGE_PAGE_REGIONS_TYPE_ID = 1229;
    /** Cache names up to this long appear whole in labels (Aeron's labels are at most 380 bytes). */
    static final int MAX_LABEL_NAME_LENGTH = 64;

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
    private final CacheStateMachine[] caches;
    private final CacheCounters[] cacheCounters;
    private final LockTable locks;
    private final AtomicCounter locksHeld;
    private final AtomicCounter lockWaiters;
    private final AtomicCounter lockGrants;
    private final AtomicCounter lockHandOffs;
    private final AtomicCounter lockSessionReleases;
    private final AtomicCounter lockWaitTimeouts;
    private final AtomicCounter lockRefusals;
    private final AtomicCounter fencedWrites;
    /** Time between the starts of consecutive duty cycles (work plus idling): a stall shows as a long one. */
    final DutyCycleStallTracker dutyCycle;

    NodeCounters(
        final Aeron aeron,
        final int memberId,
        final CacheStateMachine[] caches,
        final LockTable locks,
        final long slowDutyCycleNs)
    {
        final String prefix = "grid node=" + memberId + " ";
        dutyCycle = new DutyCycleStallTracker(
            aeron.addCounter(MAX_DUTY_CYCLE_TYPE_ID, prefix + "longest duty cycle (ns)"),
            aeron.addCounter(SLOW_DUTY_CYCLES_TYPE_ID, prefix + "duty cycles longer than " + slowDutyCycleNs + " ns"),
            slowDutyCycleNs);
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

        this.caches = caches;
        cacheCounters = new CacheCounters[caches.length];
        for (int i = 0; i < caches.length; i++)
        {
            cacheCounters[i] = new CacheCounters(aeron, cachePrefix(memberId, caches[i].context().name()), caches[i]);
        }

        this.locks = locks;
        locksHeld = aeron.addCounter(LOCKS_HELD_TYPE_ID, prefix + "locks held");
        lockWaiters = aeron.addCounter(LOCK_WAITERS_TYPE_ID, prefix + "lock requests waiting");
        lockGrants = aeron.addCounter(LOCK_GRANTS_TYPE_ID, prefix + "lock grants");
        lockHandOffs = aeron.addCounter(LOCK_HAND_OFFS_TYPE_ID, prefix + "lock hand-offs to a waiter");
        lockSessionReleases = aeron.addCounter(LOCK_SESSION_RELEASES_TYPE_ID,
            prefix + "locks released by their session closing or expiring");
        lockWaitTimeouts = aeron.addCounter(LOCK_WAIT_TIMEOUTS_TYPE_ID, prefix + "lock waits timed out");
        lockRefusals = aeron.addCounter(LOCK_REFUSALS_TYPE_ID, prefix + "lock requests refused");
        fencedWrites = aeron.addCounter(FENCED_WRITES_TYPE_ID, prefix + "fenced writes refused, stale token");
    }

    /**
     * @return the start of a cache's labels, its name shortened if long: a label over Aeron's limit is refused.
     */
    static String cachePrefix(final int memberId, final String cacheName)
    {
        final String name = cacheName.length() <= MAX_LABEL_NAME_LENGTH ?
            cacheName : cacheName.substring(0, MAX_LABEL_NAME_LENGTH - 3) + "...";
        return "grid node=" + memberId + " cache=" + name + " ";
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
        for (int i = 0; i < caches.length; i++)
        {
            cacheCounters[i].update(caches[i]);
        }
        locksHeld.setRelease(locks.lockCount());
        lockWaiters.setRelease(locks.waiterCount());
        lockGrants.setRelease(locks.grants());
        lockHandOffs.setRelease(locks.handOffs());
        lockSessionReleases.setRelease(locks.sessionReleases());
        lockWaitTimeouts.setRelease(locks.waitTimeouts());
        lockRefusals.setRelease(locks.refusals());
        fencedWrites.setRelease(locks.fenceRefusals());
    }

    public void close()
    {
        CloseHelper.closeAll(role, term, leader, commitIndex, appliedIndex, sessions, elections, snapshots,
            malformedPeer, malformedClient);
        CloseHelper.closeAll(cacheCounters);
        CloseHelper.closeAll(locksHeld, lockWaiters, lockGrants, lockHandOffs, lockSessionReleases, lockWaitTimeouts,
            lockRefusals, fencedWrites, dutyCycle.maxCycleTime(), dutyCycle.cycleTimeThresholdExceededCount());
    }

    /**
     * One cache's counters.
     */
    private static final class CacheCounters implements AutoCloseable
    {
        private final AtomicCounter hits;
        private final AtomicCounter misses;
        private final AtomicCounter evictions;
        private final AtomicCounter expirations;
        private final AtomicCounter entries;
        private final AtomicCounter bytesUsed;
        private final AtomicCounter readHits;
        private final AtomicCounter readMisses;
        private final AtomicCounter hugePageRegions;

        CacheCounters(final Aeron aeron, final String prefix, final CacheStateMachine cache)
        {
            hits = aeron.addCounter(CACHE_HITS_TYPE_ID, prefix + "hits (gets in the log, leader read hits)");
            misses = aeron.addCounter(CACHE_MISSES_TYPE_ID, prefix + "misses (gets in the log)");
            evictions = aeron.addCounter(CACHE_EVICTIONS_TYPE_ID, prefix + "evictions");
            expirations = aeron.addCounter(CACHE_EXPIRATIONS_TYPE_ID, prefix + "expirations");
            entries = aeron.addCounter(CACHE_ENTRIES_TYPE_ID, prefix + "entries");
            bytesUsed = aeron.addCounter(CACHE_BYTES_USED_TYPE_ID, prefix + "bytes used");
            readHits = aeron.addCounter(CACHE_READ_HITS_TYPE_ID, prefix + "reads answered here, found");
            readMisses = aeron.addCounter(CACHE_READ_MISSES_TYPE_ID, prefix + "reads answered here, not found");
            hugePageRegions =
                aeron.addCounter(CACHE_HUGE_PAGE_REGIONS_TYPE_ID, prefix + "off-heap regions on huge pages");
            hugePageRegions.setRelease(cache.hugePageRegions());
        }

        void update(final CacheStateMachine cache)
        {
            hits.setRelease(cache.hits());
            misses.setRelease(cache.misses());
            evictions.setRelease(cache.evictions());
            expirations.setRelease(cache.expirations());
            entries.setRelease(cache.entries());
            bytesUsed.setRelease(cache.bytesUsed());
            readHits.setRelease(cache.queryHits());
            readMisses.setRelease(cache.queryMisses());
        }

        public void close()
        {
            CloseHelper.closeAll(
                hits, misses, evictions, expirations, entries, bytesUsed, readHits, readMisses, hugePageRegions);
        }
    }
}
