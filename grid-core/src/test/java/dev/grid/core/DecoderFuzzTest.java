package dev.grid.core;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.grid.sbe.CommandRequestDecoder;
import dev.grid.sbe.CommandResponseDecoder;
import dev.grid.sbe.LogMarkerDecoder;
import dev.grid.sbe.MessageHeaderDecoder;
import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the way in for outside bytes. Whatever the bytes, {@link MessageBounds} answers
 * without throwing, with the same verdict by a template's fixed layout as by the generic walk, and a message it
 * accepts decodes completely, with bounds checks on, inside the bytes it claimed. In the default test run this
 * replays the stored inputs; {@code JAZZER_FUZZ=1 mvn test -Dtest=DecoderFuzzTest -pl grid-core} fuzzes for real
 * (corpus under .cifuzz-corpus, not committed).
 */
class DecoderFuzzTest
{
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final LogEntryView entry = new LogEntryView();
    private final CommandRequestDecoder request = new CommandRequestDecoder();
    private final CommandResponseDecoder response = new CommandResponseDecoder();
    private final LogMarkerDecoder marker = new LogMarkerDecoder();

    @FuzzTest(maxDuration = "10s")
    void outsideBytesNeverEscapeTheirBounds(final byte[] input)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(input);
        final int result = MessageBounds.instance().check(buffer, 0, input.length);
        assertThat(result).as("a fixed layout's verdict is the walk's")
            .isEqualTo(MessageBounds.instance().checkByWalking(buffer, 0, input.length, -1));
        if (result < 0)
        {
            assertThat(DecodeError.fromCode(result)).isNotNull();
            return;
        }
        assertThat(result).isBetween(MessageHeaderDecoder.ENCODED_LENGTH, input.length);
        final UnsafeBuffer message = new UnsafeBuffer(input, 0, result);
        switch (header.wrap(message, 0).templateId())
        {
            case CommandRequestDecoder.TEMPLATE_ID:
                request.wrapAndApplyHeader(message, 0, header);
                request.sessionId();
                request.skipCommand();
                assertThat(request.limit()).isEqualTo(result);
                break;
            case CommandResponseDecoder.TEMPLATE_ID:
                response.wrapAndApplyHeader(message, 0, header);
                response.status();
                response.skipResult();
                response.detail();
                assertThat(response.limit()).isEqualTo(result);
                break;
            case LogMarkerDecoder.TEMPLATE_ID:
                marker.wrapAndApplyHeader(message, 0, header);
                marker.markerType();
                marker.queueIndex();
                break;
            case LogEntryView.TEMPLATE_ID:
                final int verified = entry.wrapAndVerify(message, 0, result);
                if (verified >= 0)
                {
                    assertThat(entry.payloadOffset() + entry.payloadLength()).isEqualTo(result);
                }
                else
                {
                    assertThat(DecodeError.fromCode(verified)).isEqualTo(DecodeError.CHECKSUM_MISMATCH);
                }
                break;
            default:
                // The other templates are the services' and the peers': their decoders have their own tests.
                break;
        }
    }
}
