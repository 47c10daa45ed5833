package dev.grid.log;

import dev.grid.core.DecodeError;
import dev.grid.core.LogEntryView;
import dev.grid.core.LogEntryWriter;
import dev.grid.core.MessageBounds;
import dev.grid.core.MessageChecksum;
import dev.grid.sbe.EntryType;
import dev.grid.sbe.LogEntryDecoder;
import dev.grid.sbe.LogMarkerDecoder;
import dev.grid.sbe.LogMarkerEncoder;
import dev.grid.sbe.LogMarkerType;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerState;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.Wires;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.SystemUtil;
import org.agrona.collections.IntArrayList;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

/**
 * The Raft log on Chronicle Queue.
 * <p>
 * Every record in the queue is one sealed SBE message: a {@code LogEntry}, or a {@code LogMarker} through which the
 * append-only queue records changes to itself (truncate a suffix, compact a prefix, reset after a snapshot install,
 * discard a torn tail). Opening the log scans the queue once and replays those records into two small in-memory
 * maps, {@link QueueIndexMap} (Raft index to queue index) and {@link TermHistory}, so reads and term lookups never
 * search the disk. docs/log.md describes the design and why.
 * <p>
 * Segments are Chronicle roll cycles driven by a synthetic clock: the log moves to the next cycle when the current
 * file passes the configured segment length, so compaction can delete whole files below a snapshot. Term and vote
 * live in a separate two-slot file forced on every update.
 * <p>
 * Single-threaded: only the node's agent thread may call it. Steady-state appends and reads allocate nothing.
 */
public final class ChronicleRaftLog implements RaftLog
{
    /** Chronicle's hourly cycle numbering; the cycle "clock" is ours, so an hour is one segment. */
    private static final RollCycles ROLL_CYCLE = RollCycles.FAST_HOURLY;
    private static final String QUEUE_DIRECTORY = "queue";
    private static final String METADATA_FILE = "raft-meta.dat";
    private static final String LOCK_FILE = "log.lock";
    private static final long WRITER_GONE_TIMEOUT_MS = 100;
    private static final int RECORD_HEADER_LENGTH = Integer.BYTES;
    private static final int MARKER_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + LogMarkerEncoder.BLOCK_LENGTH;

    private final Context ctx;
    private final SyncPolicy syncPolicy;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final RaftMetadataFile metadata;
    private final SetTimeProvider cycleClock = new SetTimeProvider(0);
    private final RollingResourcesCache cycleFiles;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final SegmentMappings segments;
    private final EntryPositions positions;
    private final TermHistory terms = new TermHistory();
    private final LogEntryWriter entryWriter = new LogEntryWriter();
    private final LogEntryView readView = new LogEntryView();
    private final LogEntryView batchView = new LogEntryView();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final LogMarkerEncoder markerEncoder = new LogMarkerEncoder();
    private final LogMarkerDecoder markerDecoder = new LogMarkerDecoder();
    private final MessageChecksum checksum = new MessageChecksum();
    private final UnsafeBuffer readBuffer = new UnsafeBuffer(0, 0);
    private final UnsafeBuffer recordHeader = new UnsafeBuffer(0, 0);
    private final IntArrayList batchLengths = new IntArrayList(LogPreconditions.BATCH_LENGTHS_CAPACITY, -1);
    private final ByteBuffer recordMemory;
    private final UnsafeBuffer recordBuffer;
    private final Bytes<ByteBuffer> recordBytes;
    private int writtenCycle;
    private long writtenPosition;
    private int currentCycle;
    private long currentCycleLength;
    private long discardedTailRecords;
    private long forcedSyncs;
    private boolean closed;

    private ChronicleRaftLog(final Context ctx)
    {
        this.ctx = ctx;
        this.syncPolicy = ctx.syncPolicy();
        recordMemory = ByteBuffer.allocateDirect(ctx.maxEntryLength());
        recordBuffer = new UnsafeBuffer(recordMemory);
        recordBytes = Bytes.wrapForRead(recordMemory);
        final Path directory = ctx.directory();
        FileChannel lockChannel = null;
        RaftMetadataFile metadata = null;
        SingleChronicleQueue queue = null;
        SegmentMappings segments = null;
        EntryPositions positions = null;
        try
        {
            lockChannel = FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
            this.lock = tryLock(lockChannel, directory);
            this.lockChannel = lockChannel;
            metadata = new RaftMetadataFile(directory.resolve(METADATA_FILE));
            this.metadata = metadata;
            final File queueDirectory = directory.resolve(QUEUE_DIRECTORY).toFile();
            cycleFiles = new RollingResourcesCache(ROLL_CYCLE, 0,
                name -> new File(queueDirectory, name + SingleChronicleQueue.SUFFIX), File::getName);
            segments = new SegmentMappings(cycleFiles, ctx.segmentLength() + ctx.segmentLength() / 4 + ctx.blockSize());
            this.segments = segments;
            positions = new EntryPositions(ctx.initialIndexCapacity());
            this.positions = positions;
            queue = SingleChronicleQueueBuilder.binary(queueDirectory)
                .rollCycle(ROLL_CYCLE)
                .epoch(0)
                .timeProvider(cycleClock)
                .blockSize(ctx.blockSize())
                .indexSpacing(1)
                .syncMode(syncPolicy == SyncPolicy.NONE ? SyncMode.ASYNC : SyncMode.SYNC)
                .checkInterrupts(false)
                // Only this process writes the queue (the directory lock proves it), so a record header left
                // incomplete is always a writer killed mid-record: recover it at once instead of waiting the
                // default ten seconds for a writer that is gone.
                .timeoutMS(WRITER_GONE_TIMEOUT_MS)
                .build();
            this.queue = queue;
            final int lastCycle = queue.lastCycle();
            currentCycle = Math.max(lastCycle, 0);
            cycleClock.currentTimeMillis((long)currentCycle * ROLL_CYCLE.lengthInMillis());
            appender = queue.createAppender();
            recover(queue);
        }
        catch (final IOException ex)
        {
            CloseHelper.quietCloseAll(queue, segments, positions, metadata, lockChannel);
            throw new LogException("cannot open log in " + directory, ex);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(queue, segments, positions, metadata, lockChannel);
            throw ex;
        }
    }

    /**
     * Opens the log in the context's directory, creating it if empty and recovering it otherwise.
     *
     * @param ctx configuration; concluded here.
     * @return the open log.
     * @throws LogCorruptedException if a record before the tail is damaged.
     * @throws LogException          if the directory is in use by another open log or cannot be read.
     */
    public static ChronicleRaftLog open(final Context ctx)
    {
        return new ChronicleRaftLog(ctx.conclude());
    }

    public long firstIndex()
    {
        return terms.baseIndex() + 1;
    }

    public long lastIndex()
    {
        return terms.lastIndex();
    }

    public long lastTerm()
    {
        return terms.lastTerm();
    }

    public long termAt(final long index)
    {
        checkOpen();
        LogPreconditions.checkTermAt(this, index);
        return terms.termAt(index);
    }

    public void append(
        final long index,
        final long term,
        final long timestamp,
        final EntryType entryType,
        final int serviceId,
        final long sessionId,
        final long requestSequence,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength)
    {
        checkOpen();
        final int length = LogEntryWriter.encodedLength(payloadLength);
        LogPreconditions.checkAppend(this, index, term, length, ctx.maxEntryLength());
        entryWriter.write(recordBuffer, 0, term, index, timestamp, entryType, serviceId, sessionId, requestSequence,
            payload, payloadOffset, payloadLength);
        writeRecord(length);
        entryStored(writtenCycle, writtenPosition, index, term);
        afterWrite(syncPolicy == SyncPolicy.EVERY_APPEND);
    }

    public int appendEntries(final DirectBuffer buffer, final int offset, final int length)
    {
        checkOpen();
        final int count = LogPreconditions.verifyBatch(
            this, batchView, buffer, offset, length, ctx.maxEntryLength(), batchLengths);
        int position = offset;
        for (int i = 0; i < count; i++)
        {
            final int entryLength = batchLengths.getInt(i);
            batchView.wrapVerified(buffer, position, entryLength);
            recordBuffer.putBytes(0, buffer, position, entryLength);
            writeRecord(entryLength);
            entryStored(writtenCycle, writtenPosition, batchView.index(), batchView.term());
            position += entryLength;
            afterWrite(false);
        }
        if (count > 0 && syncPolicy == SyncPolicy.EVERY_APPEND)
        {
            forceToDisk();
        }
        return count;
    }

    public LogEntryView entry(final long index)
    {
        checkOpen();
        LogPreconditions.checkReadable(this, index);
        final long packed = positions.get(index);
        final int cycle = EntryPositions.cycleOf(packed);
        final long position = EntryPositions.positionOf(packed);
        recordHeader.wrap(segments.address(cycle, position) + position - RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH);
        final int length = Wires.lengthOf(recordHeader.getInt(0));
        readBuffer.wrap(segments.address(cycle, position + length) + position, length);
        if (ctx.verifyReads())
        {
            final int result = readView.wrapAndVerify(readBuffer, 0, length);
            if (result != length)
            {
                throw new LogCorruptedException("entry " + index + " is damaged on disk: " +
                    (result < 0 ? DecodeError.fromCode(result).toString() : "trailing bytes"));
            }
        }
        else
        {
            readView.wrapVerified(readBuffer, 0, length);
        }
        if (readView.index() != index)
        {
            throw new LogCorruptedException("position map sent entry " + index + " to entry " + readView.index());
        }
        return readView;
    }

    public void truncateFrom(final long index)
    {
        checkOpen();
        LogPreconditions.checkTruncate(this, index);
        if (index <= lastIndex())
        {
            writeMarker(LogMarkerType.TRUNCATE, index, 0, 0);
            applyTruncate(index);
            afterWrite(syncPolicy == SyncPolicy.EVERY_APPEND);
        }
    }

    public void compactTo(final long index)
    {
        checkOpen();
        LogPreconditions.checkCompact(this, index);
        if (index == terms.baseIndex())
        {
            return;
        }
        final long term = terms.termAt(index);
        writeMarker(LogMarkerType.COMPACT, index, term, 0);
        applyCompact(index, term);
        // The marker must be on disk before any file goes, whatever the policy: it is what proves, on the next
        // open, that the entries below the first surviving one were compacted and not lost. When no file goes, a
        // marker lost with the page cache only leaves a log that starts earlier than it could; forcing it anyway
        // would stall the node's thread for every dirty page of the segment (tens of ms) at every snapshot.
        if (hasDeadCycles() || syncPolicy == SyncPolicy.EVERY_APPEND)
        {
            forceToDisk();
        }
        deleteDeadCycles();
        afterWrite(false);
    }

    public void reset(final long index, final long term)
    {
        checkOpen();
        LogPreconditions.checkReset(this, index, term);
        writeMarker(LogMarkerType.RESET, index, term, 0);
        forceToDisk();
        applyReset(index, term);
        deleteDeadCycles();
        afterWrite(false);
    }

    /**
     * Makes the calling thread the log's one user from now on. Chronicle's components remember the first thread that
     * touches them and refuse any other; a node opens its log on the launching thread and then hands it to its agent
     * thread (and back, to close it), so each side calls this when it takes over.
     */
    public void adoptCurrentThread()
    {
        checkOpen();
        recordBytes.singleThreadedCheckReset();
        appender.singleThreadedCheckReset();
        if (null != appender.wire())
        {
            appender.wire().bytes().singleThreadedCheckReset();
        }
    }

    public void sync()
    {
        checkOpen();
        if (syncPolicy != SyncPolicy.NONE)
        {
            forceToDisk();
        }
    }

    public SyncPolicy syncPolicy()
    {
        return syncPolicy;
    }

    public long currentTerm()
    {
        return metadata.currentTerm();
    }

    public int votedFor()
    {
        return metadata.votedFor();
    }

    public void storeTermAndVote(final long term, final int votedFor)
    {
        checkOpen();
        LogPreconditions.checkTermAndVote(this, term, votedFor);
        metadata.store(term, votedFor);
    }

    /**
     * @return how many damaged records at the tail were found and discarded by this open (a write torn by a crash).
     */
    public long discardedTailRecords()
    {
        return discardedTailRecords;
    }

    /**
     * @return how many times this log forced its records to disk since it was opened (the sync policy at work).
     */
    public long forcedSyncs()
    {
        return forcedSyncs;
    }

    /**
     * @return the number of segment files (Chronicle cycles) the log holds now.
     */
    public int segmentCount()
    {
        return queue.listCyclesBetween(queue.firstCycle(), queue.lastCycle()).size();
    }

    public Context context()
    {
        return ctx;
    }

    public void close()
    {
        if (!closed)
        {
            closed = true;
            CloseHelper.closeAll(appender, queue, segments, positions, metadata, lock, lockChannel);
            recordBytes.releaseLast();
        }
    }

    private void recover(final SingleChronicleQueue queue)
    {
        final Recovery recovery = new Recovery();
        try (ExcerptTailer tailer = queue.createTailer())
        {
            tailer.toStart();
            while (true)
            {
                try (DocumentContext dc = tailer.readingDocument())
                {
                    if (!dc.isPresent())
                    {
                        break;
                    }
                    final Bytes<?> bytes = dc.wire().bytes();
                    final long position = bytes.readPosition();
                    final int length = (int)bytes.readRemaining();
                    readBuffer.wrap(bytes.addressForRead(position, length), length);
                    final int cycle = ROLL_CYCLE.toCycle(dc.index());
                    if (cycle == currentCycle)
                    {
                        currentCycleLength += length;
                    }
                    recovery.onRecord(dc.index(), cycle, position, length);
                }
            }
            if (TailerState.END_OF_CYCLE == tailer.state() && tailer.cycle() == currentCycle)
            {
                // Chronicle rolls by writing an end-of-file marker into the full segment, then creating the next
                // file: a writer killed in between leaves the last segment closed, and Chronicle refuses to write
                // after the marker. Go on where the roll was going.
                startNextSegment();
            }
        }
        recovery.finish();
    }

    /**
     * Replays the queue's records into the maps. A record that fails its checks is only tolerated as the very last
     * one (a torn write) or when the next record is the DISCARD marker an earlier recovery wrote for it.
     */
    private final class Recovery
    {
        private boolean started;
        private boolean baseUnresolved;
        private long compactedIndex = -1;
        private long compactedTerm;
        private long firstQueueIndex = -1;
        private long damagedQueueIndex = -1;
        private String damage;

        void onRecord(final long queueIndex, final int cycle, final long position, final int recordLength)
        {
            if (firstQueueIndex < 0)
            {
                firstQueueIndex = queueIndex;
            }
            final String problem = validate(recordLength);
            if (null != problem)
            {
                if (damagedQueueIndex >= 0)
                {
                    throw corrupted(damagedQueueIndex, damage);
                }
                damagedQueueIndex = queueIndex;
                damage = problem;
                return;
            }

            final int templateId = headerDecoder.wrap(readBuffer, 0).templateId();
            if (templateId == LogMarkerDecoder.TEMPLATE_ID)
            {
                markerDecoder.wrapAndApplyHeader(readBuffer, 0, headerDecoder);
                if (markerDecoder.markerType() == LogMarkerType.DISCARD)
                {
                    onDiscard(markerDecoder.queueIndex());
                    return;
                }
            }
            if (damagedQueueIndex >= 0)
            {
                throw corrupted(damagedQueueIndex, damage);
            }
            if (templateId == LogEntryDecoder.TEMPLATE_ID)
            {
                readView.wrapVerified(readBuffer, 0, recordLength);
                onEntry(queueIndex, cycle, position, readView.index(), readView.term());
            }
            else
            {
                onMarker(markerDecoder.markerType(), markerDecoder.index(), markerDecoder.term());
            }
        }

        void finish()
        {
            if (!started && compactedIndex >= 0)
            {
                applyReset(compactedIndex, compactedTerm);
            }
            if (baseUnresolved)
            {
                throw new LogCorruptedException("log in " + ctx.directory() + " starts after index " +
                    terms.baseIndex() + " but no compaction or reset marker covers the entries before it: " +
                    "segments were deleted or lost");
            }
            if (damagedQueueIndex >= 0)
            {
                writeMarker(LogMarkerType.DISCARD, 0, 0, damagedQueueIndex);
                forceToDisk();
                discardedTailRecords++;
            }
        }

        private String validate(final int recordLength)
        {
            final int result = MessageBounds.instance().check(readBuffer, 0, recordLength);
            if (result < 0)
            {
                return DecodeError.fromCode(result).toString();
            }
            if (result != recordLength)
            {
                return "record of " + recordLength + " bytes holds a message of " + result;
            }
            final int templateId = headerDecoder.wrap(readBuffer, 0).templateId();
            if (templateId != LogEntryDecoder.TEMPLATE_ID && templateId != LogMarkerDecoder.TEMPLATE_ID)
            {
                return "template " + templateId + " is not a log record";
            }
            if (!checksum.verify(readBuffer, 0, recordLength))
            {
                return DecodeError.CHECKSUM_MISMATCH.toString();
            }
            return null;
        }

        private void onDiscard(final long discardedQueueIndex)
        {
            if (discardedQueueIndex == damagedQueueIndex)
            {
                damagedQueueIndex = -1;
                damage = null;
            }
            else if (discardedQueueIndex >= firstQueueIndex)
            {
                throw new LogCorruptedException("discard marker names queue index " +
                    Long.toHexString(discardedQueueIndex) + ", which is not a damaged record");
            }
        }

        private void onEntry(final long queueIndex, final int cycle, final long position, final long index,
            final long term)
        {
            if (!started)
            {
                start(index - 1);
            }
            if (index != terms.lastIndex() + 1)
            {
                throw new LogCorruptedException("entry " + index + " at queue index " +
                    Long.toHexString(queueIndex) + " follows entry " + terms.lastIndex());
            }
            if (term < terms.lastTerm())
            {
                throw new LogCorruptedException("entry " + index + " has term " + term + " after term " +
                    terms.lastTerm());
            }
            entryStored(cycle, position, index, term);
        }

        private void onMarker(final LogMarkerType type, final long index, final long term)
        {
            switch (type)
            {
                case TRUNCATE:
                    if (!started || (baseUnresolved && index <= terms.baseIndex()))
                    {
                        // Before the base is known, a truncation below it voids every entry read so far: they
                        // were a dead suffix whose live prefix went with deleted segments.
                        start(index - 1);
                    }
                    else if (index <= terms.baseIndex() || index > terms.lastIndex() + 1)
                    {
                        throw new LogCorruptedException("truncate marker from " + index + " outside the log " +
                            firstIndex() + ".." + lastIndex());
                    }
                    applyTruncate(index);
                    break;

                case COMPACT:
                    if (!started)
                    {
                        // The entries it compacted went with deleted segments; it still tells where they ended.
                        if (index > compactedIndex)
                        {
                            compactedIndex = index;
                            compactedTerm = term;
                        }
                    }
                    else if (index >= terms.baseIndex())
                    {
                        if (index > terms.lastIndex())
                        {
                            throw new LogCorruptedException("compact marker to " + index + " past the log's end " +
                                terms.lastIndex());
                        }
                        if (index > terms.baseIndex() && terms.termAt(index) != term)
                        {
                            throw new LogCorruptedException("compact marker gives index " + index + " term " + term +
                                " but the entry has term " + terms.termAt(index));
                        }
                        applyCompact(index, term);
                        baseUnresolved = false;
                    }
                    // A compaction below the base is superseded: a later one deleted the segments it spoke of.
                    break;

                case RESET:
                    started = true;
                    baseUnresolved = false;
                    applyReset(index, term);
                    break;

                default:
                    throw new LogCorruptedException("unknown marker " + type);
            }
        }

        /**
         * The first entry or truncation decides where the surviving log starts. Unless that is index 1, or a
         * compaction marker already read ends exactly there, a later COMPACT or RESET marker must say why the
         * entries before it are gone.
         */
        private void start(final long baseIndex)
        {
            started = true;
            if (0 == baseIndex)
            {
                applyReset(0, 0);
            }
            else if (compactedIndex == baseIndex)
            {
                applyReset(baseIndex, compactedTerm);
            }
            else
            {
                baseUnresolved = true;
                applyReset(baseIndex, 0);
            }
        }

        private LogCorruptedException corrupted(final long queueIndex, final String problem)
        {
            return new LogCorruptedException("record at queue index " + Long.toHexString(queueIndex) + " in " +
                ctx.directory() + " is damaged (" + problem + ") and is not the tail: refusing to open");
        }
    }

    private void entryStored(final int cycle, final long position, final long index, final long term)
    {
        positions.append(index, cycle, position);
        terms.append(index, term);
    }

    private void applyTruncate(final long index)
    {
        positions.truncateFrom(index);
        terms.truncateFrom(index);
    }

    private void applyCompact(final long index, final long term)
    {
        positions.compactTo(index);
        terms.compactTo(index, term);
    }

    private void applyReset(final long index, final long term)
    {
        positions.clear(index);
        terms.reset(index, term);
    }

    /**
     * Appends the first {@code length} bytes of {@link #recordBuffer} as one Chronicle record, through Chronicle's
     * fast path for whole records (no document context, no re-read of the queue's position), and notes where it
     * landed.
     */
    private void writeRecord(final int length)
    {
        recordBytes.readPositionRemaining(0, length);
        appender.writeBytes(recordBytes);
        currentCycleLength += length;
        writtenCycle = appender.cycle();
        writtenPosition = appender.wire().bytes().writePosition() - length;
    }

    private void writeMarker(final LogMarkerType type, final long index, final long term, final long queueIndex)
    {
        markerEncoder.wrapAndApplyHeader(recordBuffer, 0, headerEncoder)
            .checksum(0)
            .markerType(type)
            .index(index)
            .term(term)
            .queueIndex(queueIndex);
        checksum.seal(recordBuffer, 0, MARKER_LENGTH);
        writeRecord(MARKER_LENGTH);
    }

    private void afterWrite(final boolean force)
    {
        if (force)
        {
            forceToDisk();
        }
        if (currentCycleLength >= ctx.segmentLength())
        {
            if (syncPolicy != SyncPolicy.NONE)
            {
                forceToDisk();
            }
            startNextSegment();
        }
    }

    /**
     * Moves the cycle clock on: Chronicle closes the current segment and creates the next at the next write.
     */
    private void startNextSegment()
    {
        currentCycleLength = 0;
        currentCycle++;
        cycleClock.currentTimeMillis((long)currentCycle * ROLL_CYCLE.lengthInMillis());
    }

    private void forceToDisk()
    {
        if (null == appender.wire())
        {
            return;
        }
        forcedSyncs++;
        final Bytes<?> bytes = appender.wire().bytes();
        final BytesStore<?, ?> store = bytes.bytesStore();
        if (store instanceof MappedBytesStore)
        {
            ((MappedBytesStore)store).syncUpTo(bytes.writePosition(), SyncMode.SYNC);
        }
    }

    /**
     * @return the first segment still holding a live entry, or the one being written if none does.
     */
    private int firstLiveCycle()
    {
        final long first = positions.first();
        return first < 0 ? currentCycle : Math.min(EntryPositions.cycleOf(first), currentCycle);
    }

    /**
     * @return true if a segment file before the first live one is still on disk.
     */
    private boolean hasDeadCycles()
    {
        return queue.firstCycle() < firstLiveCycle();
    }

    /**
     * Deletes the segment files before the first one still holding a live entry, never the one being written.
     */
    private void deleteDeadCycles()
    {
        if (!hasDeadCycles())
        {
            return;
        }
        final int keepFrom = firstLiveCycle();
        final int firstCycle = queue.firstCycle();
        for (final long cycle : queue.listCyclesBetween(firstCycle, keepFrom - 1))
        {
            segments.release((int)cycle);
            final File file = cycleFiles.resourceFor(cycle).path;
            try
            {
                Files.deleteIfExists(file.toPath());
            }
            catch (final IOException ex)
            {
                throw new LogException("cannot delete compacted segment " + file, ex);
            }
        }
        queue.refreshDirectoryListing();
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new LogException("log in " + ctx.directory() + " is closed");
        }
    }

    private static FileLock tryLock(final FileChannel channel, final Path directory) throws IOException
    {
        try
        {
            final FileLock lock = channel.tryLock();
            if (null == lock)
            {
                throw new LogException("log in " + directory + " is open in another process");
            }
            return lock;
        }
        catch (final OverlappingFileLockException ex)
        {
            throw new LogException("log in " + directory + " is already open in this process", ex);
        }
    }

    /**
     * Configuration of a {@link ChronicleRaftLog}, from system properties or setters (the Aeron convention).
     */
    public static final class Context
    {
        /** Directory holding the queue, the term and vote, and the lock file. */
        public static final String DIRECTORY_PROP_NAME = "grid.log.dir";
        public static final String DIRECTORY_DEFAULT = "grid-data/log";

        /** {@link SyncPolicy} name. */
        public static final String SYNC_POLICY_PROP_NAME = "grid.log.sync";
        public static final SyncPolicy SYNC_POLICY_DEFAULT = SyncPolicy.NONE;

        /** Largest encoded entry accepted, e.g. {@code 1m}. */
        public static final String MAX_ENTRY_LENGTH_PROP_NAME = "grid.log.max.entry.length";
        public static final int DEFAULT_MAX_ENTRY_LENGTH = 1024 * 1024;

        /** A segment file rolls to the next once it is this long, e.g. {@code 64m}. */
        public static final String SEGMENT_LENGTH_PROP_NAME = "grid.log.segment.length";
        public static final long SEGMENT_LENGTH_DEFAULT = 64L * 1024 * 1024;
        /** Segments are read through one memory mapping each, which Java limits to 2 GiB. */
        public static final long MAX_SEGMENT_LENGTH = 1L << 30;

        /** Chronicle's memory-mapping chunk; a quarter of it must hold the largest entry. */
        public static final String BLOCK_SIZE_PROP_NAME = "grid.log.block.size";
        public static final long BLOCK_SIZE_DEFAULT = 16L * 1024 * 1024;

        /** Entries the position map holds before it first grows (8 bytes each, off-heap). */
        public static final String INDEX_CAPACITY_PROP_NAME = "grid.log.index.capacity";
        public static final int INDEX_CAPACITY_DEFAULT = 64 * 1024;

        /** Verify structure and checksum of every entry read, not only on open and on receipt. */
        public static final String VERIFY_READS_PROP_NAME = "grid.log.verify.reads";
        public static final boolean VERIFY_READS_DEFAULT = false;

        private Path directory = Paths.get(System.getProperty(DIRECTORY_PROP_NAME, DIRECTORY_DEFAULT));
        private SyncPolicy syncPolicy = SyncPolicy.valueOf(
            System.getProperty(SYNC_POLICY_PROP_NAME, SYNC_POLICY_DEFAULT.name()));
        private int maxEntryLength = SystemUtil.getSizeAsInt(MAX_ENTRY_LENGTH_PROP_NAME, DEFAULT_MAX_ENTRY_LENGTH);
        private long segmentLength = SystemUtil.getSizeAsLong(SEGMENT_LENGTH_PROP_NAME, SEGMENT_LENGTH_DEFAULT);
        private long blockSize = SystemUtil.getSizeAsLong(BLOCK_SIZE_PROP_NAME, BLOCK_SIZE_DEFAULT);
        private int initialIndexCapacity = Integer.getInteger(INDEX_CAPACITY_PROP_NAME, INDEX_CAPACITY_DEFAULT);
        private boolean verifyReads = Boolean.parseBoolean(
            System.getProperty(VERIFY_READS_PROP_NAME, Boolean.toString(VERIFY_READS_DEFAULT)));
        private boolean concluded;

        /**
         * Checks the settings fit together and creates the directory.
         *
         * @return this.
         */
        public Context conclude()
        {
            if (concluded)
            {
                throw new IllegalStateException("context already concluded");
            }
            if (maxEntryLength < LogEntryWriter.EMPTY_ENTRY_LENGTH)
            {
                throw new IllegalArgumentException(MAX_ENTRY_LENGTH_PROP_NAME + " " + maxEntryLength +
                    " cannot hold an empty entry of " + LogEntryWriter.EMPTY_ENTRY_LENGTH + " bytes");
            }
            if ((long)maxEntryLength > blockSize / 4)
            {
                throw new IllegalArgumentException(MAX_ENTRY_LENGTH_PROP_NAME + " " + maxEntryLength +
                    " must fit in a quarter of " + BLOCK_SIZE_PROP_NAME + " " + blockSize);
            }
            if (segmentLength > MAX_SEGMENT_LENGTH)
            {
                throw new IllegalArgumentException(SEGMENT_LENGTH_PROP_NAME + " " + segmentLength +
                    " is over the maximum of " + MAX_SEGMENT_LENGTH);
            }
            if (segmentLength < maxEntryLength)
            {
                throw new IllegalArgumentException(SEGMENT_LENGTH_PROP_NAME + " " + segmentLength +
                    " is shorter than " + MAX_ENTRY_LENGTH_PROP_NAME + " " + maxEntryLength);
            }
            try
            {
                Files.createDirectories(directory);
            }
            catch (final IOException ex)
            {
                throw new LogException("cannot create log directory " + directory, ex);
            }
            concluded = true;
            return this;
        }

        public Path directory()
        {
            return directory;
        }

        public Context directory(final Path directory)
        {
            this.directory = directory;
            return this;
        }

        public SyncPolicy syncPolicy()
        {
            return syncPolicy;
        }

        public Context syncPolicy(final SyncPolicy syncPolicy)
        {
            this.syncPolicy = syncPolicy;
            return this;
        }

        public int maxEntryLength()
        {
            return maxEntryLength;
        }

        public Context maxEntryLength(final int maxEntryLength)
        {
            this.maxEntryLength = maxEntryLength;
            return this;
        }

        public long segmentLength()
        {
            return segmentLength;
        }

        public Context segmentLength(final long segmentLength)
        {
            this.segmentLength = segmentLength;
            return this;
        }

        public long blockSize()
        {
            return blockSize;
        }

        public Context blockSize(final long blockSize)
        {
            this.blockSize = blockSize;
            return this;
        }

        public int initialIndexCapacity()
        {
            return initialIndexCapacity;
        }

        public Context initialIndexCapacity(final int initialIndexCapacity)
        {
            this.initialIndexCapacity = initialIndexCapacity;
            return this;
        }

        public boolean verifyReads()
        {
            return verifyReads;
        }

        public Context verifyReads(final boolean verifyReads)
        {
            this.verifyReads = verifyReads;
            return this;
        }
    }
}
