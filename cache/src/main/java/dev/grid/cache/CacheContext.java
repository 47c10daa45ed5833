package dev.grid.cache;

import java.util.concurrent.TimeUnit;

/**
 * The configuration of one named cache, in the Aeron style: setters return {@code this}, defaults come from system
 * properties, and {@link #conclude()} validates everything once, before the cache allocates its memory.
 * <p>
 * Memory is fixed at start: {@link #memoryBudgetBytes()} bytes of blocks of {@link #blockSize()} bytes holding keys
 * and values (one home block per slot, at least {@code maxEntries x blockSize}, the rest a shared overflow slab),
 * plus 64-byte slot headers and an index sized by {@link #maxEntries()}; see {@link #offHeapBytes()} for the total.
 */
public final class CacheContext
{
    public static final String POLICY_PROP = "grid.cache.policy";
    public static final String MEMORY_BUDGET_PROP = "grid.cache.memory.budget";
    public static final String MAX_ENTRIES_PROP = "grid.cache.max.entries";
    public static final String MAX_KEY_LENGTH_PROP = "grid.cache.max.key.length";
    public static final String MAX_VALUE_LENGTH_PROP = "grid.cache.max.value.length";
    public static final String DEFAULT_TTL_PROP = "grid.cache.default.ttl.ns";
    public static final String BLOCK_SIZE_PROP = "grid.cache.block.size";
    public static final String SWEEP_BUDGET_PROP = "grid.cache.ttl.sweep.budget";
    public static final String LFU_LOG_FACTOR_PROP = "grid.cache.lfu.log.factor";
    public static final String LFU_DECAY_PROP = "grid.cache.lfu.decay.ns";
    public static final String MAX_BATCH_PROP = "grid.cache.max.batch";
    public static final String LFU_SAMPLES_PROP = "grid.cache.lfu.samples";
    public static final String LFU_SEED_PROP = "grid.cache.lfu.seed";
    public static final String LFU_SWEEP_PROP = "grid.cache.lfu.sweep";
    public static final String ADMISSION_PROP = "grid.cache.admission";
    public static final String HUGE_PAGES_PROP = "grid.cache.huge.pages";

    /** The most entries one cache may hold. */
    public static final int MAX_ENTRIES_LIMIT = 1 << 24;
    /** The most bytes of blocks (plus slot headers) one cache may have: one buffer. */
    public static final long MEMORY_BUDGET_LIMIT = (1L << 31) - 4096;
    /** Longest cache name, as for every name in the schema (varAsciiEncoding). */
    public static final int MAX_NAME_LENGTH = 1024;

    private String name;
    private int serviceId = -1;
    private CachePolicy policy = CachePolicy.valueOf(System.getProperty(POLICY_PROP, "LRU"));
    private long memoryBudgetBytes = Long.getLong(MEMORY_BUDGET_PROP, 64L * 1024 * 1024);
    private int maxEntries = Integer.getInteger(MAX_ENTRIES_PROP, 65536);
    private int maxKeyLength = Integer.getInteger(MAX_KEY_LENGTH_PROP, 256);
    private int maxValueLength = Integer.getInteger(MAX_VALUE_LENGTH_PROP, 4096);
    private long defaultTtlNanos = Long.getLong(DEFAULT_TTL_PROP, 0L);
    private int blockSize = Integer.getInteger(BLOCK_SIZE_PROP, 64);
    private int sweepBudget = Integer.getInteger(SWEEP_BUDGET_PROP, 8);
    private int lfuLogFactor = Integer.getInteger(LFU_LOG_FACTOR_PROP, 10);
    private long lfuDecayNanos = Long.getLong(LFU_DECAY_PROP, TimeUnit.MINUTES.toNanos(1));
    private int maxBatchSize = Integer.getInteger(MAX_BATCH_PROP, 256);
    private boolean admission = Boolean.parseBoolean(System.getProperty(ADMISSION_PROP, "false"));
    private int lfuSamples = Integer.getInteger(LFU_SAMPLES_PROP, 5);
    private long lfuSeed = Long.getLong(LFU_SEED_PROP, 0L);
    private boolean lfuSweep = Boolean.parseBoolean(System.getProperty(LFU_SWEEP_PROP, "false"));
    private boolean hugePages = Boolean.parseBoolean(System.getProperty(HUGE_PAGES_PROP, "true"));
    private boolean concluded;

    /**
     * Validates the configuration; the cache calls it before allocating.
     *
     * @return this.
     * @throws IllegalArgumentException naming the first setting that is out of range.
     */
    public CacheContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        require(null != name && !name.isEmpty() && name.length() <= MAX_NAME_LENGTH && isAscii(name),
            "name must be 1.." + MAX_NAME_LENGTH + " US-ASCII characters: " + name);
        require(serviceId >= 0, "serviceId must be set (>= 0) for cache " + name);
        require(null != policy, "policy must be set");
        require(maxEntries >= 1 && maxEntries <= MAX_ENTRIES_LIMIT,
            "maxEntries must be in 1.." + MAX_ENTRIES_LIMIT + ": " + maxEntries);
        require(blockSize >= 16 && blockSize <= 65536 && 0 == (blockSize & 7),
            "blockSize must be a multiple of 8 in 16..65536: " + blockSize);
        require(memoryBudgetBytes >= blockSize && memoryBudgetBytes <= MEMORY_BUDGET_LIMIT,
            "memoryBudgetBytes must be in " + blockSize + ".." + MEMORY_BUDGET_LIMIT + ": " + memoryBudgetBytes);
        require(maxKeyLength >= 1 && maxValueLength >= 0 && (long)maxKeyLength + maxValueLength <= (1 << 30),
            "maxKeyLength >= 1, maxValueLength >= 0, and together at most 1 GiB");
        require(blockCount() >= maxEntries,
            "memoryBudgetBytes must give every slot its home block: at least maxEntries x blockSize = " +
            (long)maxEntries * blockSize + ": " + memoryBudgetBytes);
        require(blocksFor(maxKeyLength + maxValueLength) - 1 <= overflowBlocks(),
            "memoryBudgetBytes " + memoryBudgetBytes + " cannot hold one entry of the largest key and value");
        require((long)blockCount() * blockSize + (long)maxEntries * CacheStore.SLOT_LENGTH <= MEMORY_BUDGET_LIMIT,
            "slot records and blocks together must fit " + MEMORY_BUDGET_LIMIT + " bytes");
        require(defaultTtlNanos >= 0, "defaultTtlNanos must be >= 0 (0: entries do not expire)");
        require(sweepBudget >= 0, "sweepBudget must be >= 0");
        require(lfuLogFactor >= 0 && lfuLogFactor <= 1_000_000, "lfuLogFactor must be in 0..1000000");
        require(lfuDecayNanos >= 0, "lfuDecayNanos must be >= 0 (0: counts never decay)");
        require(lfuSamples >= 1 && lfuSamples <= LfuOrder.MAX_SAMPLES,
            "lfuSamples must be in 1.." + LfuOrder.MAX_SAMPLES + ": " + lfuSamples);
        require(maxBatchSize >= 1 && maxBatchSize <= 65535, "maxBatchSize must be in 1..65535");
        concluded = true;
        return this;
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }

    private static boolean isAscii(final String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param entryLength bytes of key plus value.
     * @return the blocks an entry of that length occupies.
     */
    public int blocksFor(final int entryLength)
    {
        // Most entries fit their home block; the test spares every write and eviction a division.
        return entryLength <= blockSize ? 1 : (entryLength + blockSize - 1) / blockSize;
    }

    /**
     * @return the value slab's blocks: the memory budget in whole blocks.
     */
    public int blockCount()
    {
        return (int)(memoryBudgetBytes / blockSize);
    }

    /**
     * @return blocks beyond the slots' home blocks: the shared slab for entries longer than one block.
     */
    public int overflowBlocks()
    {
        return blockCount() - maxEntries;
    }

    /**
     * @return cache-line buckets of the hash index ({@link HashIndex}): about one per
     * {@value HashIndex#MEAN_ENTRIES_PER_BUCKET} entries, so a lookup usually reads one bucket.
     */
    public int indexBuckets()
    {
        return HashIndex.bucketsFor(maxEntries);
    }

    /**
     * @return every off-heap byte the cache allocates: blocks, their links, slot headers, index and its summaries,
     * sketch and the LFU policy's member array.
     */
    public long offHeapBytes()
    {
        return (long)blockCount() * blockSize + (long)blockCount() * Integer.BYTES +
            (long)maxEntries * CacheStore.SLOT_LENGTH +
            (long)indexBuckets() * (HashIndex.BUCKET_LENGTH + HashIndex.SUMMARY_LENGTH) +
            (admission ? (long)FrequencySketch.wordsFor(maxEntries) * Long.BYTES : 0) +
            (CachePolicy.LFU == policy ? (long)maxEntries * LfuOrder.MEMBER_LENGTH : 0);
    }

    private void checkMutable()
    {
        if (concluded)
        {
            throw new IllegalStateException("context already concluded");
        }
    }

    public String name()
    {
        return name;
    }

    public CacheContext name(final String name)
    {
        checkMutable();
        this.name = name;
        return this;
    }

    /**
     * @return the service id the node routes this cache's log entries by.
     */
    public int serviceId()
    {
        return serviceId;
    }

    public CacheContext serviceId(final int serviceId)
    {
        checkMutable();
        this.serviceId = serviceId;
        return this;
    }

    public CachePolicy policy()
    {
        return policy;
    }

    public CacheContext policy(final CachePolicy policy)
    {
        checkMutable();
        this.policy = policy;
        return this;
    }

    /**
     * @return bytes of blocks (at least maxEntries x blockSize: one home block per slot, the rest shared); keys and
     * values are stored in whole blocks of {@link #blockSize()}.
     */
    public long memoryBudgetBytes()
    {
        return memoryBudgetBytes;
    }

    public CacheContext memoryBudgetBytes(final long memoryBudgetBytes)
    {
        checkMutable();
        this.memoryBudgetBytes = memoryBudgetBytes;
        return this;
    }

    public int maxEntries()
    {
        return maxEntries;
    }

    public CacheContext maxEntries(final int maxEntries)
    {
        checkMutable();
        this.maxEntries = maxEntries;
        return this;
    }

    public int maxKeyLength()
    {
        return maxKeyLength;
    }

    public CacheContext maxKeyLength(final int maxKeyLength)
    {
        checkMutable();
        this.maxKeyLength = maxKeyLength;
        return this;
    }

    public int maxValueLength()
    {
        return maxValueLength;
    }

    public CacheContext maxValueLength(final int maxValueLength)
    {
        checkMutable();
        this.maxValueLength = maxValueLength;
        return this;
    }

    /**
     * @return the TTL of entries written without one, in log-time nanoseconds; 0 for none.
     */
    public long defaultTtlNanos()
    {
        return defaultTtlNanos;
    }

    public CacheContext defaultTtlNanos(final long defaultTtlNanos)
    {
        checkMutable();
        this.defaultTtlNanos = defaultTtlNanos;
        return this;
    }

    public int blockSize()
    {
        return blockSize;
    }

    public CacheContext blockSize(final int blockSize)
    {
        checkMutable();
        this.blockSize = blockSize;
        return this;
    }

    /**
     * @return slots the incremental TTL sweep examines for each applied log entry.
     */
    public int sweepBudget()
    {
        return sweepBudget;
    }

    public CacheContext sweepBudget(final int sweepBudget)
    {
        checkMutable();
        this.sweepBudget = sweepBudget;
        return this;
    }

    /**
     * @return Redis's lfu-log-factor: how much harder each further increment of an LFU counter becomes.
     */
    public int lfuLogFactor()
    {
        return lfuLogFactor;
    }

    public CacheContext lfuLogFactor(final int lfuLogFactor)
    {
        checkMutable();
        this.lfuLogFactor = lfuLogFactor;
        return this;
    }

    /**
     * @return Redis's lfu-decay-time in log-time nanoseconds: every LFU count loses one per period; 0 for never.
     */
    public long lfuDecayNanos()
    {
        return lfuDecayNanos;
    }

    public CacheContext lfuDecayNanos(final long lfuDecayNanos)
    {
        checkMutable();
        this.lfuDecayNanos = lfuDecayNanos;
        return this;
    }

    /**
     * @return whether the cache runs W-TinyLFU admission: new entries enter a small LRU window (1% of maxEntries);
     * the window's oldest entry enters the main LRU/LFU order only if a deterministic frequency sketch finds it more
     * frequent than the main order's victim, otherwise it is the one evicted.
     */
    public boolean admission()
    {
        return admission;
    }

    public CacheContext admission(final boolean admission)
    {
        checkMutable();
        this.admission = admission;
        return this;
    }

    /**
     * @return Redis's maxmemory-samples: the entries the LFU policy samples for its eviction pool per eviction.
     */
    public int lfuSamples()
    {
        return lfuSamples;
    }

    public CacheContext lfuSamples(final int lfuSamples)
    {
        checkMutable();
        this.lfuSamples = lfuSamples;
        return this;
    }

    /**
     * @return the seed of the LFU policy's replicated random generator (samples and counter increments); every
     * replica of the cache must be configured with the same seed.
     */
    public long lfuSeed()
    {
        return lfuSeed;
    }

    public CacheContext lfuSeed(final long lfuSeed)
    {
        checkMutable();
        this.lfuSeed = lfuSeed;
        return this;
    }

    /**
     * @return whether the LFU policy takes its samples in turn, by a hand sweeping its members, instead of
     * uniformly at random as Redis does. Evictions then touch memory near the previous ones and cost less at large
     * sizes; the hit ratio differs (docs/benchmarks.md: much higher on looping traces, up to a few points lower on
     * recency-heavy ones). Every replica of the cache must be configured alike.
     */
    public boolean lfuSweep()
    {
        return lfuSweep;
    }

    public CacheContext lfuSweep(final boolean lfuSweep)
    {
        checkMutable();
        this.lfuSweep = lfuSweep;
        return this;
    }

    /**
     * @return whether regions of at least 2 MiB (records, index, members) are advised to the kernel as huge pages
     * ({@link dev.grid.core.OffHeapMemory}): random reads over them then rarely miss the TLB. Not replicated state:
     * replicas may differ in it.
     */
    public boolean hugePages()
    {
        return hugePages;
    }

    public CacheContext hugePages(final boolean hugePages)
    {
        checkMutable();
        this.hugePages = hugePages;
        return this;
    }

    /**
     * @return the most keys in one getAll or putAll, and hashes in one access-hint command.
     */
    public int maxBatchSize()
    {
        return maxBatchSize;
    }

    public CacheContext maxBatchSize(final int maxBatchSize)
    {
        checkMutable();
        this.maxBatchSize = maxBatchSize;
        return this;
    }

    public String toString()
    {
        return "CacheContext{name=" + name + ", serviceId=" + serviceId + ", policy=" + policy +
            ", memoryBudgetBytes=" + memoryBudgetBytes + ", maxEntries=" + maxEntries +
            ", maxKeyLength=" + maxKeyLength + ", maxValueLength=" + maxValueLength +
            ", defaultTtlNanos=" + defaultTtlNanos + ", blockSize=" + blockSize + ", sweepBudget=" + sweepBudget +
            ", lfuLogFactor=" + lfuLogFactor + ", lfuDecayNanos=" + lfuDecayNanos +
            ", lfuSamples=" + lfuSamples + ", lfuSeed=" + lfuSeed + ", lfuSweep=" + lfuSweep +
            ", admission=" + admission +
            ", hugePages=" + hugePages + ", maxBatchSize=" + maxBatchSize + '}';
    }
}
