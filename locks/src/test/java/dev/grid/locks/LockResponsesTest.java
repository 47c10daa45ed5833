package dev.grid.locks;

import dev.grid.sbe.LockResponseDecoder;
import dev.grid.sbe.LockResponseEncoder;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LockResponsesTest
{
    private static final int OFFSET = 5;

    @Test
    void writesExactlyTheBytesOfTheGeneratedEncoder()
    {
        for (final Status status : new Status[]{ Status.OK, Status.PENDING, Status.NOT_HOLDER, Status.MALFORMED })
        {
            final UnsafeBuffer expected = new UnsafeBuffer(new byte[OFFSET + LockResponses.LENGTH + 3]);
            new LockResponseEncoder().wrapAndApplyHeader(expected, OFFSET, new MessageHeaderEncoder())
                .status(status)
                .logIndex(Long.MAX_VALUE - 1)
                .token(-2)
                .holderSessionId(0x0102030405060708L)
                .holderOwnerId(Long.MIN_VALUE)
                .holdCount(Integer.MAX_VALUE)
                .waiterCount(-1);
            final UnsafeBuffer actual = new UnsafeBuffer(new byte[expected.capacity()]);

            final int length = LockResponses.encode(actual, OFFSET, status, Long.MAX_VALUE - 1, -2,
                0x0102030405060708L, Long.MIN_VALUE, Integer.MAX_VALUE, -1);

            assertThat(length).isEqualTo(MessageHeaderEncoder.ENCODED_LENGTH + LockResponseEncoder.BLOCK_LENGTH);
            assertThat(actual.byteArray()).isEqualTo(expected.byteArray());
        }
    }

    @Test
    void rewritesTheFieldsBehindAHeaderWrittenOnce()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LockResponses.LENGTH]);
        LockResponses.encode(buffer, 0, Status.OK, 1, 1, 1, 1, 1, 1);

        LockResponses.encodeBlock(buffer, 0, Status.TIMEOUT, 99, 0, 42, 7, 0, 3);

        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, 0);
        assertThat(header.templateId()).isEqualTo(LockResponseDecoder.TEMPLATE_ID);
        assertThat(header.schemaId()).isEqualTo(LockResponseDecoder.SCHEMA_ID);
        assertThat(header.version()).isEqualTo(LockResponseDecoder.SCHEMA_VERSION);
        assertThat(header.blockLength()).isEqualTo(LockResponseDecoder.BLOCK_LENGTH);
        final LockResponseDecoder response = new LockResponseDecoder().wrapAndApplyHeader(buffer, 0, header);
        assertThat(response.status()).isEqualTo(Status.TIMEOUT);
        assertThat(response.logIndex()).isEqualTo(99);
        assertThat(response.token()).isZero();
        assertThat(response.holderSessionId()).isEqualTo(42);
        assertThat(response.holderOwnerId()).isEqualTo(7);
        assertThat(response.holdCount()).isZero();
        assertThat(response.waiterCount()).isEqualTo(3);
    }
}
