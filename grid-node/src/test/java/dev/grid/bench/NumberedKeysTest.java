package dev.grid.bench;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NumberedKeysTest
{
    @Test
    void keysAreNumberedAndValuesPaddedOrCutToTheirFixedSize()
    {
        final NumberedKeys natural = new NumberedKeys("key", 10_000, 0);
        assertThat(text(natural, true, 42)).isEqualTo("key-42");
        assertThat(text(natural, false, 42)).isEqualTo("value-42");
        assertThat(text(natural, true, 9_999)).hasSize(natural.maxKeyLength());
        assertThat(text(natural, false, 9_999)).hasSize(natural.maxValueLength());

        assertThat(text(new NumberedKeys("bench", 100, 12), false, 7)).isEqualTo("value-7.....");
        final NumberedKeys cut = new NumberedKeys("bench", 100_000, 4);
        assertThat(text(cut, false, 99_999)).isEqualTo("valu");
        assertThat(cut.maxValueLength()).as("room to write value-99999 before cutting it").isEqualTo(11);
    }

    @Test
    void refusesAnEmptyRangeOrANegativeSize()
    {
        assertThatThrownBy(() -> new NumberedKeys("key", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NumberedKeys("key", 1, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String text(final NumberedKeys keys, final boolean key, final int i)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[key ? keys.maxKeyLength() : keys.maxValueLength()]);
        final int length = key ? keys.key(buffer, i) : keys.value(buffer, i);
        return buffer.getStringWithoutLengthAscii(0, length);
    }
}
