package dev.grid.jmh.cache;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis baseline behaves as Redis's allkeys-lfu: nothing is evicted while keys fit, frequently used keys survive
 * a scan of one-hit keys, and its randomness comes from the seed alone.
 */
class SampledLfuTest
{
    private static final long MINUTE = 60_000_000_000L;

    @Test
    void whileEveryKeyFitsOnlyFirstAccessesMiss()
    {
        final SplittableRandom random = new SplittableRandom(1);
        final long[] trace = new long[10_000];
        for (int i = 0; i < trace.length; i++)
        {
            trace[i] = random.nextInt(100);
        }
        assertThat(SampledLfu.replay(trace, 100, 5, 10, MINUTE, 1))
            .isEqualTo((trace.length - 100) / (double)trace.length);
    }

    @Test
    void frequentKeysSurviveAScanOfOneHitKeys()
    {
        final int hot = 10;
        final int warmUp = hot * 300;
        final int scan = 20_000;
        final long[] trace = new long[warmUp + 2 * scan];
        for (int i = 0; i < warmUp; i++)
        {
            trace[i] = i % hot;
        }
        for (int i = 0; i < scan; i++)
        {
            trace[warmUp + 2 * i] = 1_000_000 + i;
            trace[warmUp + 2 * i + 1] = i % hot;
        }
        final double hitsIfHotKeysStay = (warmUp - hot + scan) / (double)trace.length;
        assertThat(SampledLfu.replay(trace, 50, 5, 10, 0, 1))
            .as("counts >= 7 against one-hit keys at 5: a hot key is only a candidate if all samples are hot")
            .isGreaterThan(hitsIfHotKeysStay - 0.002);
    }

    @Test
    void theSeedDecidesTheRandomness()
    {
        final SplittableRandom random = new SplittableRandom(2);
        final long[] trace = new long[50_000];
        for (int i = 0; i < trace.length; i++)
        {
            trace[i] = random.nextInt(10) < 7 ? random.nextInt(300) : random.nextInt(5_000);
        }
        final double seed1 = SampledLfu.replay(trace, 200, 5, 10, MINUTE, 1);
        assertThat(SampledLfu.replay(trace, 200, 5, 10, MINUTE, 1)).isEqualTo(seed1);
        assertThat(SampledLfu.replay(trace, 200, 5, 10, MINUTE, 2)).isNotEqualTo(seed1);
    }
}
