package dev.grid.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class StateChecksumTest
{
    @Test
    void sameUpdatesGiveTheSameValueAndResetStartsOver()
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[]{ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 });
        final StateChecksum a = new StateChecksum().update(42).update(bytes, 0, 11);
        final StateChecksum b = new StateChecksum().update(42).update(bytes, 0, 11);

        assertThat(a.value()).isEqualTo(b.value());
        assertThat(a.reset().value()).isEqualTo(new StateChecksum().value());
    }

    @Test
    void everySingleBitFlipChangesTheValue()
    {
        final byte[] data = new byte[21];
        final long original = new StateChecksum().update(new UnsafeBuffer(data), 0, data.length).value();
        final Set<Long> seen = new HashSet<>();
        for (int bit = 0; bit < data.length * 8; bit++)
        {
            data[bit >> 3] ^= (byte)(1 << (bit & 7));
            final long flipped = new StateChecksum().update(new UnsafeBuffer(data), 0, data.length).value();
            data[bit >> 3] ^= (byte)(1 << (bit & 7));

            assertThat(flipped).as("bit %d", bit).isNotEqualTo(original);
            seen.add(flipped);
        }
        assertThat(seen).hasSize(data.length * 8);
    }

    @Test
    void lengthMattersEvenForZeroBytes()
    {
        final UnsafeBuffer zeros = new UnsafeBuffer(new byte[16]);

        assertThat(new StateChecksum().update(zeros, 0, 8).value())
            .isNotEqualTo(new StateChecksum().update(zeros, 0, 16).value())
            .isNotEqualTo(new StateChecksum().update(zeros, 0, 7).value());
    }
}
