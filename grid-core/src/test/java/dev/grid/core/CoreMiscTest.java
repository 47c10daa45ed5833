package dev.grid.core;

import dev.grid.sbe.CommandResponseEncoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoreMiscTest
{
    @Test
    void jvmFlagsArePublishedFilteredFromTheParentPom()
    {
        assertThat(JvmFlags.required())
            .contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Dchronicle.analytics.disable=true")
            .noneMatch(flag -> flag.contains("${"));
    }

    @Test
    void sbePrecedenceChecksAreOnInTests()
    {
        final CommandResponseEncoder encoder = new CommandResponseEncoder()
            .wrapAndApplyHeader(new UnsafeBuffer(new byte[256]), 0, new MessageHeaderEncoder());

        assertThatThrownBy(() -> encoder.detail("written before result")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void snapshotReadsBackWhatWasWrittenAndRefusesToReadPastTheEnd()
    {
        final InMemorySnapshot snapshot = new InMemorySnapshot(4);
        final UnsafeBuffer source = new UnsafeBuffer(new byte[]{ 1, 2, 3, 4, 5, 6, 7, 8, 9 });
        snapshot.write(source, 0, 9);
        final UnsafeBuffer target = new UnsafeBuffer(new byte[9]);

        snapshot.readFully(target, 0, 5);
        assertThat(snapshot.remaining()).isEqualTo(4);
        assertThatThrownBy(() -> snapshot.readFully(target, 5, 5))
            .isInstanceOfSatisfying(GridException.class, ex -> assertThat(ex.status()).isEqualTo(Status.MALFORMED));
        snapshot.readFully(target, 5, 4);
        assertThat(target.byteArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void decodeErrorCodesRoundTrip()
    {
        for (final DecodeError error : DecodeError.values())
        {
            assertThat(error.code()).isNegative();
            assertThat(DecodeError.fromCode(error.code())).isEqualTo(error);
        }
        assertThatThrownBy(() -> DecodeError.fromCode(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
