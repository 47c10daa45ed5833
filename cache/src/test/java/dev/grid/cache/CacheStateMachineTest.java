package dev.grid.cache;

import dev.grid.core.Fences;
import dev.grid.core.GridException;
import dev.grid.core.InMemorySnapshot;
import dev.grid.core.OffHeapMemory;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CacheResponseDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class CacheStateMachineTest
{
    private static final long SECOND = 1_000_000_000L;

    private static CacheContext context(final CachePolicy policy)
    {
        return new CacheContext().name("orders").serviceId(3).policy(policy).maxEntries(64).blockSize(32)
            .memoryBudgetBytes(64 * 32 * 4).maxKeyLength(32).maxValueLength(96).lfuDecayNanos(SECOND);
    }

    private static CacheContext context(final CachePolicy policy, final boolean admission, final boolean lfuSweep)
    {
        return context(policy).admission(admission).lfuSweep(lfuSweep);
    }

    /**
     * @return an LRU cache whose entries live 10 s unless told, and whose sweep examines all 64 slots per entry.
     */
    private static CacheStateMachine tenSecondTtlSweptWhole()
    {
        return new CacheStateMachine(
            context(CachePolicy.LRU).defaultTtlNanos(10 * SECOND).sweepBudget(64), Fences.NONE);
    }

    private static CacheContext fourThousandEntries(final boolean hugePages)
    {
        return new CacheContext().name("big").serviceId(4).maxEntries(4096).blockSize(448)
            .memoryBudgetBytes(4096 * 448).maxKeyLength(16).maxValueLength(48).hugePages(hugePages);
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void operationsAnswerWithTheDocumentedStatuses()
    {
        try (CacheStateMachine cache = new CacheStateMachine(context(CachePolicy.LRU), Fences.NONE))
        {
            final CacheHarness h = new CacheHarness(cache);
            assertThat(h.get(bytes("a")).status()).isEqualTo(Status.NOT_FOUND);
            final ReferenceCache.Result put = h.put(bytes("a"), bytes("one"));
            assertThat(put.status()).isEqualTo(Status.OK);
            assertThat(put.version()).isEqualTo(h.index);
            final ReferenceCache.Result got = h.get(bytes("a"));
            assertThat(got.value()).isEqualTo(bytes("one"));
            assertThat(got.version()).isEqualTo(put.version());

            final ReferenceCache.Result absent = h.put(CachePutMode.PUT_IF_ABSENT, bytes("a"), bytes("two"), 0, 0);
            assertThat(absent.status()).isEqualTo(Status.ALREADY_EXISTS);
            assertThat(absent.value()).isEqualTo(bytes("one"));
            assertThat(h.put(CachePutMode.REPLACE, bytes("b"), bytes("x"), 0, 0).status())
                .isEqualTo(Status.NOT_FOUND);
            assertThat(h.put(CachePutMode.COMPARE_AND_SET, bytes("a"), bytes("x"), 0, put.version() + 1).status())
                .isEqualTo(Status.VERSION_MISMATCH);
            final ReferenceCache.Result cas =
                h.put(CachePutMode.COMPARE_AND_SET, bytes("a"), bytes("three"), 0, put.version());
            assertThat(cas.status()).isEqualTo(Status.OK);
            assertThat(h.get(bytes("a")).value()).isEqualTo(bytes("three"));

            assertThat(h.increment(bytes("n"), 5, 0).counter()).isEqualTo(5);
            assertThat(h.increment(bytes("n"), -7, 0).counter()).isEqualTo(-2);
            assertThat(h.increment(bytes("a"), 1, 0).status()).isEqualTo(Status.MALFORMED);
            assertThat(h.increment(bytes("n"), Long.MIN_VALUE, 0).status()).isEqualTo(Status.LIMIT_EXCEEDED);

            assertThat(h.remove(bytes("a"), cas.version() + 1).status()).isEqualTo(Status.VERSION_MISMATCH);
            assertThat(h.remove(bytes("a"), cas.version()).status()).isEqualTo(Status.OK);
            assertThat(h.remove(bytes("a"), 0).status()).isEqualTo(Status.NOT_FOUND);

            assertThat(h.putAll(List.of(bytes("x"), bytes("y")), List.of(bytes("1"), bytes("2")), 0).status())
                .isEqualTo(Status.OK);
            final List<ReferenceCache.Result> all = h.getAll(List.of(bytes("x"), bytes("z"), bytes("y")));
            assertThat(all).extracting(ReferenceCache.Result::status)
                .containsExactly(Status.OK, Status.NOT_FOUND, Status.OK);
            assertThat(all.get(2).value()).isEqualTo(bytes("2"));

            final long[] stats = h.stats();
            assertThat(stats[4]).isEqualTo(3);
            assertThat(stats[5]).isEqualTo(cache.bytesUsed()).isPositive();
            assertThat(stats[6]).isEqualTo(64);
            assertThat(h.clear().status()).isEqualTo(Status.OK);
            assertThat(cache.entries()).isZero();
            assertThat(h.get(bytes("x")).status()).isEqualTo(Status.NOT_FOUND);
        }
    }

    @Test
    void entriesExpireInLogTimeLazilyAndBySweep()
    {
        try (CacheStateMachine cache = tenSecondTtlSweptWhole())
        {
            final CacheHarness h = new CacheHarness(cache);
            h.timestamp = SECOND;
            h.put(bytes("default"), bytes("v"));
            h.put(CachePutMode.PUT, bytes("short"), bytes("v"), 2 * SECOND, 0);
            h.timestamp = 3 * SECOND + 1;
            assertThat(h.get(bytes("short")).status()).isEqualTo(Status.NOT_FOUND);
            assertThat(h.get(bytes("default")).status()).isEqualTo(Status.OK);
            h.timestamp = 11 * SECOND;
            assertThat(h.stats()[4]).as("the sweep removed the due entry without any access").isZero();
            assertThat(cache.expirations()).isEqualTo(2);
        }
    }

    /**
     * A clear leaves the old records in place (only the index is emptied): the TTL sweep, which walks slots by
     * number, must not take them for live entries, and new entries must get every slot back.
     */
    @Test
    void afterAClearTheSweepAndNewEntriesIgnoreTheOldRecords()
    {
        try (CacheStateMachine cache = tenSecondTtlSweptWhole())
        {
            final CacheHarness h = new CacheHarness(cache);
            h.timestamp = SECOND;
            for (int i = 0; i < 64; i++)
            {
                assertThat(h.put(bytes("old-" + i), bytes("v" + i)).status()).isEqualTo(Status.OK);
            }
            assertThat(h.clear().status()).isEqualTo(Status.OK);
            h.timestamp = 2 * SECOND;
            assertThat(h.put(bytes("new"), bytes("v")).status()).isEqualTo(Status.OK);
            h.timestamp = 13 * SECOND;
            // Taking an old record for a live entry would look for its word in the emptied index without end.
            final long[] stats = assertTimeoutPreemptively(Duration.ofSeconds(30), h::stats);
            assertThat(stats[4]).as("the sweep removed the new entry once it was due").isZero();
            assertThat(cache.expirations()).as("and no old record, though they are all past due").isEqualTo(1);
            assertThat(cache.evictions()).isZero();

            for (int i = 0; i < 64; i++)
            {
                assertThat(h.put(bytes("again-" + i), bytes("w" + i)).status()).isEqualTo(Status.OK);
            }
            assertThat(cache.entries()).isEqualTo(64);
            assertThat(cache.evictions()).as("every slot came back after the clear").isZero();
            for (int i = 0; i < 64; i++)
            {
                assertThat(h.get(bytes("again-" + i)).value()).isEqualTo(bytes("w" + i));
                assertThat(h.get(bytes("old-" + i)).status()).isEqualTo(Status.NOT_FOUND);
            }
        }
    }

    @Test
    void fencedWritesNeedTheCurrentToken()
    {
        final Fences fences = (name, offset, length, token) ->
            name.getStringWithoutLengthAscii(offset, length).equals("orders-lock") && token == 42;
        try (CacheStateMachine cache = new CacheStateMachine(context(CachePolicy.LFU), fences))
        {
            final CacheHarness h = new CacheHarness(cache);
            h.put(bytes("k"), bytes("v0"));
            refused(h, h.fence(41).put(bytes("k"), bytes("stale")), Status.FENCED);
            assertThat(h.detail()).contains("fencing token");
            refused(h, h.fence(41).remove(bytes("k"), 0), Status.FENCED);
            refused(h, h.fence(41).clear(), Status.FENCED);
            refused(h, h.fence(41).putAll(List.of(bytes("k")), List.of(bytes("x")), 0), Status.FENCED);
            refused(h, h.fence(41).increment(bytes("k"), 1, 0), Status.OK);
            assertThat(h.fence(42).put(bytes("k"), bytes("v1")).status()).isEqualTo(Status.OK);
            assertThat(h.fence(0).get(bytes("k")).value()).isEqualTo(bytes("v1"));
        }
    }

    private static void refused(final CacheHarness h, final ReferenceCache.Result result, final Status status)
    {
        if (Status.OK != status)
        {
            assertThat(result.status()).isEqualTo(status);
            assertThat(h.cache.checksum()).as("a refused command changes nothing").isEqualTo(h.checksumBeforeApply);
        }
    }

    @ParameterizedTest
    @EnumSource(CachePolicy.class)
    void badInputIsAnsweredWithAnErrorAndChangesNothing(final CachePolicy policy)
    {
        try (Caches caches = new Caches(List.of(context(policy)), Fences.NONE))
        {
            final CacheStateMachine cache = caches.get(3);
            final CacheHarness h = new CacheHarness(cache);
            for (int i = 0; i < 40; i++)
            {
                h.put(bytes("key" + i), new byte[i]);
            }
            refused(h, h.put(new byte[33], bytes("v")), Status.TOO_LARGE);
            assertThat(h.detail()).contains("maxKeyLength");
            refused(h, h.put(bytes("key1"), new byte[97]), Status.TOO_LARGE);
            refused(h, h.put(new byte[0], bytes("v")), Status.MALFORMED);
            refused(h, h.get(new byte[33]), Status.TOO_LARGE);
            refused(h, h.put(CachePutMode.PUT, bytes("key1"), bytes("v"), -5, 0), Status.MALFORMED);
            refused(h, h.putAll(List.of(bytes("p"), bytes("p")), List.of(bytes("1"), bytes("2")), 0),
                Status.MALFORMED);
            refused(h, h.putAll(List.of(bytes("q"), bytes("key2")), List.of(bytes("1"), new byte[200]), 0),
                Status.TOO_LARGE);
            refused(h, h.fence(5).put(bytes("key1"), bytes("v")), Status.FENCED);
            h.fence(0);

            final int length = h.commands.wrap(h.command, 0).put(CachePutMode.PUT,
                CacheHarness.wrap(bytes("key3")), 0, 4, CacheHarness.wrap(bytes("v")), 0, 1, 0, 0);
            for (int cut = 0; cut < length; cut++)
            {
                refused(h, h.applyForResult(cut), Status.MALFORMED);
            }
            h.command.putByte(8, (byte)9);
            refused(h, h.applyForResult(length), Status.MALFORMED);
            h.command.putShort(2, (short)21);
            refused(h, h.applyForResult(length), Status.MALFORMED);
            final SplittableRandom random = new SplittableRandom(11);
            for (int i = 0; i < 2000; i++)
            {
                final int garbage = 1 + random.nextInt(64);
                for (int b = 0; b < garbage; b++)
                {
                    h.command.putByte(b, (byte)random.nextInt());
                }
                refused(h, h.applyForResult(garbage), Status.MALFORMED);
            }

            final int getLength = h.commands.wrap(h.command, 0).get(CacheHarness.wrap(bytes("key1")), 0, 4);
            final long before = cache.checksum();
            final int responseLength = caches.apply(99, ++h.index, h.timestamp, 1, 1, h.command, 0, getLength,
                h.response, 0);
            final CacheResponseDecoder decoder = new CacheResponseDecoder()
                .wrapAndApplyHeader(h.response, 0, new MessageHeaderDecoder());
            assertThat(responseLength).isPositive();
            assertThat(decoder.status()).as("unknown cache").isEqualTo(Status.UNKNOWN_SERVICE);

            assertThat(cache.checksum()).as("nothing stored changed").isEqualTo(before);
            for (int i = 0; i < 40; i++)
            {
                assertThat(h.get(bytes("key" + i)).value()).isEqualTo(new byte[i]);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"LRU, false, false", "LFU, false, false", "LRU, true, false", "LFU, true, false", "LFU, false, true",
        "LFU, true, true"})
    void replicasApplyingTheSameLogHoldTheSameStateAndSnapshotsRoundTrip(
        final CachePolicy policy, final boolean admission, final boolean lfuSweep)
    {
        try (CacheStateMachine a = new CacheStateMachine(context(policy, admission, lfuSweep), Fences.NONE);
            CacheStateMachine b = new CacheStateMachine(context(policy, admission, lfuSweep), Fences.NONE);
            CacheStateMachine restored = new CacheStateMachine(context(policy, admission, lfuSweep), Fences.NONE))
        {
            final CacheHarness ha = new CacheHarness(a);
            final CacheHarness hb = new CacheHarness(b);
            final SplittableRandom random = new SplittableRandom(5);
            for (int i = 0; i < 3000; i++)
            {
                final byte[] key = CacheModelTest.keyOf(random.nextInt(150));
                final long step = random.nextLong(SECOND / 4);
                ha.timestamp += step;
                hb.timestamp += step;
                if (random.nextInt(3) == 0)
                {
                    ha.put(key, new byte[random.nextInt(90)]);
                    hb.put(key, new byte[ha.lastResponseLength > 0 ? a.store().valueLength(
                        a.store().find(KeyHash.hash(CacheHarness.wrap(key), 0, key.length),
                        CacheHarness.wrap(key), 0, key.length)) : 0]);
                }
                else
                {
                    ha.get(key);
                    hb.get(key);
                }
                assertThat(a.checksum()).isEqualTo(b.checksum());
            }
            assertThat(a.evictions()).isPositive();
            ha.get(CacheModelTest.keyOf(1));
            assertThat(a.checksum()).as("one more access changes the checksum").isNotEqualTo(b.checksum());

            final InMemorySnapshot snapshot = new InMemorySnapshot();
            a.snapshot(snapshot);
            restored.restore(snapshot.rewind());
            assertThat(restored.checksum()).isEqualTo(a.checksum());
            final InMemorySnapshot again = new InMemorySnapshot();
            restored.snapshot(again);
            assertThat(again.length()).isEqualTo(snapshot.length());
            assertThat(again.buffer().compareTo(snapshot.buffer())).isZero();
            final CacheHarness hr = new CacheHarness(restored);
            hr.index = ha.index;
            hr.timestamp = ha.timestamp;
            final long evictionsBefore = a.evictions();
            for (int i = 0; i < 400; i++)
            {
                final byte[] key = CacheModelTest.keyOf(i);
                assertThat(hr.get(key)).isEqualTo(ha.get(key));
                if (i % 2 == 0)
                {
                    final byte[] newKey = CacheModelTest.keyOf(1000 + i);
                    assertThat(hr.put(newKey, new byte[i % 90])).isEqualTo(ha.put(newKey, new byte[i % 90]));
                }
                assertThat(restored.checksum()).as("the restored replica evicts as the original")
                    .isEqualTo(a.checksum());
            }
            assertThat(a.evictions()).as("evictions after the restore").isGreaterThan(evictionsBefore + 100);
        }
    }

    /**
     * Admission over LRU keeps a segmented main order: keys read since they were admitted are protected, so
     * frequent newcomers displace the keys nobody read and then stop at the protected ones (with a plain LRU main
     * order, the read keys would be the next victims once the unread ones were gone).
     */
    @Test
    void withAdmissionOverLruKeysReadSinceTheirAdmissionOutliveFrequentNewcomers()
    {
        final CacheContext context = new CacheContext().name("segmented").serviceId(5).policy(CachePolicy.LRU)
            .admission(true).maxEntries(100).blockSize(32).memoryBudgetBytes(100 * 32).maxKeyLength(16)
            .maxValueLength(8);
        try (CacheStateMachine cache = new CacheStateMachine(context, Fences.NONE))
        {
            final CacheHarness h = new CacheHarness(cache);
            for (int i = 0; i < 100; i++)
            {
                h.put(bytes("old" + i), bytes("v"));
            }
            for (int i = 0; i < 50; i++)
            {
                assertThat(h.get(bytes("old" + i)).status()).isEqualTo(Status.OK);
            }
            for (int i = 0; i < 100; i++)
            {
                h.put(bytes("new" + i), bytes("v"));
                for (int read = 0; read < 3; read++)
                {
                    assertThat(h.get(bytes("new" + i)).status()).isEqualTo(Status.OK);
                }
            }
            int readKept = 0;
            int unreadKept = 0;
            int newcomersKept = 0;
            for (int i = 0; i < 100; i++)
            {
                readKept += i < 50 && Status.OK == h.get(bytes("old" + i)).status() ? 1 : 0;
                unreadKept += i >= 50 && Status.OK == h.get(bytes("old" + i)).status() ? 1 : 0;
                newcomersKept += Status.OK == h.get(bytes("new" + i)).status() ? 1 : 0;
            }
            assertThat(readKept).as("read keys kept").isEqualTo(50);
            assertThat(unreadKept).as("unread keys kept").isZero();
            assertThat(newcomersKept).as("newcomers admitted").isEqualTo(50);
        }
    }

    /**
     * Four keys of equal count fill the cache; a fifth evicts one, and the sweep's round leaves the other three in
     * the pool with the score they had. A key read after that must not be the next victim on its old score.
     */
    @Test
    void withTheSweepAKeyReadAfterItWasSampledIsNotEvictedOnItsStaleScore()
    {
        final List<String> unread = evictedByTwoNewKeys(null);
        assertThat(unread).as("two evictions, one per new key").hasSize(2);
        final String read = unread.get(1);
        final List<String> afterRead = evictedByTwoNewKeys(read);
        assertThat(afterRead).as("evicted after %s was read", read).hasSize(2).doesNotContain(read)
            .contains(unread.get(0));
    }

    /**
     * @return the keys of key0..key4 missing after key5 is put, in key order, or with {@code read} read before it.
     */
    private static List<String> evictedByTwoNewKeys(final String read)
    {
        final CacheContext context = context(CachePolicy.LFU, false, true).maxEntries(4).memoryBudgetBytes(4 * 32 * 4)
            .lfuSamples(4);
        try (CacheStateMachine cache = new CacheStateMachine(context, Fences.NONE))
        {
            final CacheHarness h = new CacheHarness(cache);
            for (int i = 0; i < 5; i++)
            {
                h.put(bytes("key" + i), bytes("v"));
            }
            if (null != read)
            {
                assertThat(h.get(bytes(read)).status()).as("%s present before the second eviction", read)
                    .isEqualTo(Status.OK);
            }
            h.put(bytes("key5"), bytes("v"));
            assertThat(h.stats()[2]).as("evictions").isEqualTo(2);
            final List<String> evicted = new ArrayList<>();
            for (int i = 0; i < 5; i++)
            {
                if (Status.NOT_FOUND == h.get(bytes("key" + i)).status())
                {
                    evicted.add("key" + i);
                }
            }
            return evicted;
        }
    }

    @Test
    void hugePagesAreNotReplicatedStateAReplicaWithThemMatchesOneWithout()
    {
        try (CacheStateMachine huge = new CacheStateMachine(fourThousandEntries(true), Fences.NONE);
            CacheStateMachine plain = new CacheStateMachine(fourThousandEntries(false), Fences.NONE))
        {
            assertThat(plain.hugePageRegions()).isZero();
            assertThat(huge.hugePageRegions())
                .as("the 2 MiB of records (4096 x (64 + 448)), where the kernel offers huge pages; the rest is smaller")
                .isEqualTo(OffHeapMemory.kernelOffersHugePages() ? 1 : 0);
            final CacheHarness hh = new CacheHarness(huge);
            final CacheHarness hp = new CacheHarness(plain);
            for (int i = 0; i < 6_000; i++)
            {
                final byte[] key = Long.toString(i % 5_000).getBytes(StandardCharsets.US_ASCII);
                final ReferenceCache.Result result = hh.put(key, new byte[i % 49]);
                assertThat(result.status()).isEqualTo(Status.OK);
                assertThat(hp.put(key, new byte[i % 49])).isEqualTo(result);
            }
            assertThat(huge.evictions()).isPositive();
            assertThat(huge.checksum()).isEqualTo(plain.checksum());

            final InMemorySnapshot snapshot = new InMemorySnapshot();
            huge.snapshot(snapshot);
            plain.restore(snapshot.rewind());
            assertThat(plain.checksum()).isEqualTo(huge.checksum());
        }
    }

    /**
     * After a clear, new entries take the slots a fresh cache would, without the clear having written them: a
     * snapshot must carry where the unused ones start, or a restored replica would hand out slots still in use.
     */
    @ParameterizedTest
    @EnumSource(CachePolicy.class)
    void aSnapshotAfterAClearRestoresAReplicaThatGoesOnAsTheOriginal(final CachePolicy policy)
    {
        try (CacheStateMachine original = new CacheStateMachine(context(policy), Fences.NONE);
            CacheStateMachine restored = new CacheStateMachine(context(policy), Fences.NONE))
        {
            final CacheHarness ho = new CacheHarness(original);
            for (int i = 0; i < 200; i++)
            {
                ho.put(bytes("before-" + i), new byte[i % 80]);
            }
            assertThat(ho.clear().status()).isEqualTo(Status.OK);
            for (int i = 0; i < 10; i++)
            {
                ho.put(bytes("after-" + i), new byte[10 * i]);
            }
            final InMemorySnapshot snapshot = new InMemorySnapshot();
            original.snapshot(snapshot);
            restored.restore(snapshot.rewind());
            assertThat(restored.checksum()).isEqualTo(original.checksum());

            final CacheHarness hr = new CacheHarness(restored);
            hr.index = ho.index;
            hr.timestamp = ho.timestamp;
            for (int i = 10; i < 150; i++)
            {
                final byte[] value = new byte[1 + i % 79];
                value[0] = (byte)i;
                assertThat(hr.put(bytes("after-" + i), value)).isEqualTo(ho.put(bytes("after-" + i), value));
                assertThat(restored.checksum()).as("after put %d", i).isEqualTo(original.checksum());
            }
            for (int i = 0; i < 150; i++)
            {
                assertThat(hr.get(bytes("after-" + i))).isEqualTo(ho.get(bytes("after-" + i)));
            }
            assertThat(original.evictions()).as("the restored replica also evicted as the original").isPositive();
        }
    }

    @Test
    void aSnapshotOfAnotherGeometryIsRefusedAndChangesNothing()
    {
        try (CacheStateMachine small = new CacheStateMachine(context(CachePolicy.LRU).maxEntries(32), Fences.NONE);
            CacheStateMachine cache = new CacheStateMachine(context(CachePolicy.LRU), Fences.NONE))
        {
            new CacheHarness(cache).put(bytes("k"), bytes("v"));
            final long before = cache.checksum();
            final InMemorySnapshot snapshot = new InMemorySnapshot();
            small.snapshot(snapshot);
            assertThatThrownBy(() -> cache.restore(snapshot.rewind()))
                .isInstanceOf(GridException.class)
                .satisfies(ex -> assertThat(((GridException)ex).status()).isEqualTo(Status.MALFORMED));
            assertThat(cache.checksum()).isEqualTo(before);
        }
    }

    /**
     * A snapshot with one bad header field: an older format (8), or a first unused slot (124) or block (128) outside
     * this cache of 64 slots and 256 blocks. The restore is refused with MALFORMED, says why, and changes nothing.
     */
    @ParameterizedTest
    @CsvSource({
        "8, 3, format 3 cannot be restored",
        "124, -1, as the first unused",
        "124, 65, as the first unused",
        "128, 63, as the first unused",
        "128, 257, as the first unused"})
    void aSnapshotWithABadHeaderFieldIsRefusedClearlyAndChangesNothing(
        final int offset, final int value, final String reason)
    {
        try (CacheStateMachine other = new CacheStateMachine(context(CachePolicy.LFU), Fences.NONE);
            CacheStateMachine cache = new CacheStateMachine(context(CachePolicy.LFU), Fences.NONE))
        {
            new CacheHarness(other).put(bytes("other"), bytes("v"));
            new CacheHarness(cache).put(bytes("k"), bytes("v"));
            final long before = cache.checksum();
            final InMemorySnapshot snapshot = new InMemorySnapshot();
            other.snapshot(snapshot);
            final UnsafeBuffer bytes = new UnsafeBuffer(new byte[snapshot.length()]);
            bytes.putBytes(0, snapshot.buffer(), 0, snapshot.length());
            bytes.putInt(offset, value);
            final InMemorySnapshot changed = new InMemorySnapshot();
            changed.write(bytes, 0, bytes.capacity());
            assertThatThrownBy(() -> cache.restore(changed.rewind()))
                .isInstanceOf(GridException.class)
                .hasMessageContaining(reason)
                .satisfies(ex -> assertThat(((GridException)ex).status()).isEqualTo(Status.MALFORMED));
            assertThat(cache.checksum()).isEqualTo(before);
            assertThat(new CacheHarness(cache).get(bytes("k")).value()).isEqualTo(bytes("v"));
        }
    }

    @Test
    void configurationIsValidated()
    {
        assertThatThrownBy(() -> new CacheContext().name("c").serviceId(1).maxEntries(1).maxKeyLength(100)
            .maxValueLength(100).blockSize(64).memoryBudgetBytes(128).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("largest key and value");
        assertThatThrownBy(() -> new CacheContext().name("c").serviceId(1).maxEntries(1000).blockSize(64)
            .memoryBudgetBytes(64 * 999).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("home block");
        assertThatThrownBy(() -> new CacheContext().serviceId(1).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> new Caches(List.of(context(CachePolicy.LRU), context(CachePolicy.LFU)), Fences.NONE))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> context(CachePolicy.LFU).lfuSamples(0).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lfuSamples");
        assertThatThrownBy(() -> context(CachePolicy.LFU).lfuSamples(LfuOrder.MAX_SAMPLES + 1).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lfuSamples");
        final CacheContext context = context(CachePolicy.LFU).conclude();
        assertThat(context.offHeapBytes()).as("blocks, links, slot headers, index and summaries, LFU member array")
            .isEqualTo(8192L + 8192 / 32 * 4 + 64 * 64 + 7 * (64 + 16) + 64 * 16);
    }

    @Test
    void keyHashIsStableAcrossReleases()
    {
        final UnsafeBuffer key = new UnsafeBuffer(bytes("stable-key-0123456789"));
        assertThat(KeyHash.hash(key, 0, key.capacity())).isEqualTo(KeyHash.hash(key, 0, key.capacity()));
        assertThat(KeyHash.hash(key, 0, 4)).isNotEqualTo(KeyHash.hash(key, 1, 4));
        assertThat(KeyHash.hash(key, 0, key.capacity())).isEqualTo(EXPECTED_STABLE_KEY_HASH);
    }

    private static final long EXPECTED_STABLE_KEY_HASH = -50858276405414361L;
}
