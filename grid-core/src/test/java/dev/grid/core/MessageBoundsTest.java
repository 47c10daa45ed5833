package dev.grid.core;

import dev.grid.sbe.CacheAccessHintsEncoder;
import dev.grid.sbe.CacheGetAllEncoder;
import dev.grid.sbe.CachePutAllEncoder;
import dev.grid.sbe.CachePutEncoder;
import dev.grid.sbe.CachePutMode;
import dev.grid.sbe.CommandRequestEncoder;
import dev.grid.sbe.CommandResponseDecoder;
import dev.grid.sbe.CommandResponseEncoder;
import dev.grid.sbe.EntryType;
import dev.grid.sbe.LogEntryEncoder;
import dev.grid.sbe.LogMarkerEncoder;
import dev.grid.sbe.LogMarkerType;
import dev.grid.sbe.LockAcquireEncoder;
import dev.grid.sbe.LockQueryEncoder;
import dev.grid.sbe.LockReleaseEncoder;
import dev.grid.sbe.RaftFlag;
import dev.grid.sbe.RequestVoteEncoder;
import dev.grid.sbe.VoteKind;
import dev.grid.sbe.MessageHeaderDecoder;
import dev.grid.sbe.MessageHeaderEncoder;
import dev.grid.sbe.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class MessageBoundsTest
{
    private final MessageBounds bounds = MessageBounds.instance();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();

    private int encodeResponse(final int resultLength, final String detail)
    {
        final CommandResponseEncoder encoder = new CommandResponseEncoder()
            .wrapAndApplyHeader(buffer, 0, header)
            .sessionId(7)
            .requestSequence(11)
            .logIndex(42)
            .serviceId(3)
            .status(Status.OK);
        encoder.putResult(new byte[resultLength], 0, resultLength);
        encoder.detail(detail);
        return encoder.limit();
    }

    @Test
    void acceptsWellFormedMessagesAndReportsTheirLength()
    {
        final int length = encodeResponse(100, "fine");

        assertThat(bounds.check(buffer, 0, buffer.capacity())).isEqualTo(length);
        assertThat(bounds.check(buffer, 0, length, CommandResponseDecoder.TEMPLATE_ID)).isEqualTo(length);
    }

    @Test
    void everyTruncationIsReportedNotThrown()
    {
        final int length = encodeResponse(37, "detail");
        for (int available = 0; available < length; available++)
        {
            final UnsafeBuffer exact = new UnsafeBuffer(buffer, 0, available);
            assertThat(bounds.check(exact, 0, available))
                .as("available=%d", available)
                .isEqualTo(DecodeError.TRUNCATED.code());
        }
    }

    @Test
    void refusesLengthsAndOffsetsOutsideTheBuffer()
    {
        encodeResponse(1, "");

        assertThat(bounds.check(buffer, -1, 100)).isEqualTo(DecodeError.TRUNCATED.code());
        assertThat(bounds.check(buffer, 4090, 100)).isEqualTo(DecodeError.TRUNCATED.code());
        assertThat(bounds.check(buffer, 0, Integer.MAX_VALUE)).isEqualTo(DecodeError.TRUNCATED.code());
    }

    @Test
    void refusesWrongSchemaVersionZeroAndUnknownTemplates()
    {
        final int length = encodeResponse(4, "x");

        buffer.putShort(4, (short)(MessageHeaderDecoder.SCHEMA_ID + 1), ByteOrder.LITTLE_ENDIAN);
        assertThat(bounds.check(buffer, 0, length)).isEqualTo(DecodeError.WRONG_SCHEMA.code());

        encodeResponse(4, "x");
        buffer.putShort(6, (short)0, ByteOrder.LITTLE_ENDIAN);
        assertThat(bounds.check(buffer, 0, length)).isEqualTo(DecodeError.BAD_VERSION.code());

        encodeResponse(4, "x");
        buffer.putShort(2, (short)999, ByteOrder.LITTLE_ENDIAN);
        assertThat(bounds.check(buffer, 0, length)).isEqualTo(DecodeError.UNKNOWN_TEMPLATE.code());

        encodeResponse(4, "x");
        assertThat(bounds.check(buffer, 0, length, LogEntryView.TEMPLATE_ID))
            .isEqualTo(DecodeError.UNEXPECTED_TEMPLATE.code());
    }

    @Test
    void refusesABlockShorterThanItsFields()
    {
        final int length = encodeResponse(4, "x");
        buffer.putShort(0, (short)(CommandResponseEncoder.BLOCK_LENGTH - 1), ByteOrder.LITTLE_ENDIAN);

        assertThat(bounds.check(buffer, 0, length)).isEqualTo(DecodeError.BLOCK_TOO_SHORT.code());
    }

    @Test
    void acceptsALongerBlockFromANewerVersion()
    {
        // A newer schema may add fields at the end of the block: an old reader skips them by blockLength.
        final int extra = 8;
        final UnsafeBuffer newer = new UnsafeBuffer(new byte[256]);
        final int plain = encodeResponse(3, "ab");
        final int blockEnd = MessageHeaderEncoder.ENCODED_LENGTH + CommandResponseEncoder.BLOCK_LENGTH;
        newer.putBytes(0, buffer, 0, blockEnd);
        newer.putBytes(blockEnd + extra, buffer, blockEnd, plain - blockEnd);
        newer.putShort(0, (short)(CommandResponseEncoder.BLOCK_LENGTH + extra), ByteOrder.LITTLE_ENDIAN);
        newer.putShort(6, (short)(MessageHeaderDecoder.SCHEMA_VERSION + 1), ByteOrder.LITTLE_ENDIAN);

        assertThat(bounds.check(newer, 0, newer.capacity())).isEqualTo(plain + extra);
    }

    @Test
    void refusesEnumValuesTheSchemaDoesNotDefine()
    {
        final int length = encodeResponse(0, "");
        final int statusOffset = MessageHeaderEncoder.ENCODED_LENGTH + CommandResponseEncoder.statusEncodingOffset();
        buffer.putByte(statusOffset, (byte)200);

        assertThat(bounds.check(buffer, 0, length)).isEqualTo(DecodeError.BAD_ENUM.code());
    }

    @Test
    void refusesVariableLengthFieldsAboveTheirTypesMaximum()
    {
        final int length = encodeResponse(0, "");
        final int detailLengthOffset = length - 2;
        buffer.putShort(detailLengthOffset, (short)1025, ByteOrder.LITTLE_ENDIAN);

        assertThat(bounds.check(buffer, 0, buffer.capacity())).isEqualTo(DecodeError.VAR_DATA_TOO_LONG.code());
    }

    @Test
    void aVarDataLengthPointingPastTheBufferIsTruncationNotAnOverRead()
    {
        final int length = encodeResponse(0, "");
        final int resultLengthOffset = length - 2 - 4;
        buffer.putInt(resultLengthOffset, 1_000_000, ByteOrder.LITTLE_ENDIAN);

        assertThat(bounds.check(buffer, 0, buffer.capacity())).isEqualTo(DecodeError.TRUNCATED.code());
    }

    @Test
    void knowsEveryTemplateOfTheSchema()
    {
        assertThat(bounds.schemaBlockLength(LogEntryEncoder.TEMPLATE_ID)).isEqualTo(LogEntryEncoder.BLOCK_LENGTH);
        assertThat(bounds.schemaBlockLength(LogMarkerEncoder.TEMPLATE_ID)).isEqualTo(LogMarkerEncoder.BLOCK_LENGTH);
        assertThat(bounds.schemaBlockLength(CommandResponseEncoder.TEMPLATE_ID))
            .isEqualTo(CommandResponseEncoder.BLOCK_LENGTH);
        assertThat(bounds.schemaBlockLength(999)).isEqualTo(-1);
    }

    @Test
    void randomMutationsNeverThrowAndAcceptedMessagesDecodeInsideTheirBytes()
    {
        final Random random = new Random(0x5EED);
        final LogEntryWriter writer = new LogEntryWriter();
        final byte[] payload = "the quick brown fox".getBytes(StandardCharsets.US_ASCII);
        final CommandResponseDecoder responseDecoder = new CommandResponseDecoder();
        final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            final int length = (i & 1) == 0 ?
                encodeResponse(random.nextInt(64), "d" + random.nextInt(100)) :
                writer.write(buffer, 0, 1, 1, 1, EntryType.COMMAND, 1, 1, 1, new UnsafeBuffer(payload), 0, 19);
            final int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++)
            {
                buffer.putByte(random.nextInt(length), (byte)random.nextInt());
            }
            final int available = random.nextInt(length + 16);
            final UnsafeBuffer exact = new UnsafeBuffer(buffer, 0, available);
            final int result = bounds.check(exact, 0, available);
            if (result >= 0)
            {
                accepted++;
                assertThat(result).isLessThanOrEqualTo(available);
                if (headerDecoder.wrap(exact, 0).templateId() == CommandResponseDecoder.TEMPLATE_ID)
                {
                    // Bounds checks are on in tests: a read past the message would throw here.
                    final UnsafeBuffer message = new UnsafeBuffer(exact, 0, result);
                    responseDecoder.wrapAndApplyHeader(message, 0, headerDecoder);
                    responseDecoder.skipResult();
                    responseDecoder.detail();
                    assertThat(responseDecoder.limit()).isEqualTo(result);
                }
            }
            else
            {
                assertThat(DecodeError.fromCode(result)).isNotNull();
            }
        }
        assertThat(accepted).as("some mutations leave a valid message").isPositive();
    }

    @Test
    void markersAreSealedMessagesToo()
    {
        final LogMarkerEncoder marker = new LogMarkerEncoder().wrapAndApplyHeader(buffer, 0, header)
            .checksum(0).markerType(LogMarkerType.TRUNCATE).index(5).term(2).queueIndex(0);
        final int length = marker.limit();
        final MessageChecksum checksum = new MessageChecksum();
        checksum.seal(buffer, 0, length);

        assertThat(bounds.check(buffer, 0, length, LogMarkerEncoder.TEMPLATE_ID)).isEqualTo(length);
        assertThat(checksum.verify(buffer, 0, length)).isTrue();
        buffer.putLong(MessageChecksum.COVERED_OFFSET + 1, 6);
        assertThat(checksum.verify(buffer, 0, length)).isFalse();
    }

    @Test
    void templatesWithoutGroupsAreCheckedByTheirFixedLayout()
    {
        assertThat(bounds.hasFixedLayout(LockAcquireEncoder.TEMPLATE_ID)).isTrue();
        assertThat(bounds.hasFixedLayout(LockReleaseEncoder.TEMPLATE_ID)).isTrue();
        assertThat(bounds.hasFixedLayout(LockQueryEncoder.TEMPLATE_ID)).isTrue();
        assertThat(bounds.hasFixedLayout(CachePutEncoder.TEMPLATE_ID)).as("an enum and three var fields").isTrue();
        assertThat(bounds.hasFixedLayout(RequestVoteEncoder.TEMPLATE_ID)).as("two enums").isTrue();
        assertThat(bounds.hasFixedLayout(CommandRequestEncoder.TEMPLATE_ID)).isTrue();
        assertThat(bounds.hasFixedLayout(LogEntryEncoder.TEMPLATE_ID)).isTrue();
        assertThat(bounds.hasFixedLayout(CacheGetAllEncoder.TEMPLATE_ID)).as("a group").isFalse();
        assertThat(bounds.hasFixedLayout(CachePutAllEncoder.TEMPLATE_ID)).as("a group").isFalse();
        assertThat(bounds.hasFixedLayout(CacheAccessHintsEncoder.TEMPLATE_ID)).as("a group").isFalse();
        assertThat(bounds.hasFixedLayout(999)).isFalse();
    }

    @Test
    void aFixedLayoutGivesTheWalksVerdictOnWellFormedMessages()
    {
        final UnsafeBuffer key = new UnsafeBuffer("key-1".getBytes(StandardCharsets.US_ASCII));
        final int put = new CachePutEncoder().wrapAndApplyHeader(buffer, 0, header)
            .mode(CachePutMode.PUT_IF_ABSENT).ttlNanos(5).expectedVersion(0).fenceToken(9)
            .fenceLock("orders").putKey(key, 0, key.capacity()).putValue(key, 0, 3).limit();
        assertSameVerdict(buffer, put);
        assertThat(bounds.check(buffer, 0, buffer.capacity())).isEqualTo(put);

        final int acquire = new LockAcquireEncoder().wrapAndApplyHeader(buffer, 0, header)
            .ownerId(3).waitTimeout(-1).heldToken(0).acquireLimit(0).lockName("orders-book-7").limit();
        assertSameVerdict(buffer, acquire);
        assertThat(bounds.check(buffer, 0, acquire, LockAcquireEncoder.TEMPLATE_ID)).isEqualTo(acquire);
        assertThat(bounds.check(buffer, 0, acquire, LockReleaseEncoder.TEMPLATE_ID))
            .isEqualTo(DecodeError.UNEXPECTED_TEMPLATE.code());
        for (int available = 0; available < acquire; available++)
        {
            final UnsafeBuffer exact = new UnsafeBuffer(buffer, 0, available);
            assertThat(bounds.check(exact, 0, available)).as("available=%d", available)
                .isEqualTo(DecodeError.TRUNCATED.code());
        }

        final int response = encodeResponse(12, "why");
        assertSameVerdict(buffer, response);
        assertThat(bounds.check(buffer, 0, response)).isEqualTo(response);
    }

    @Test
    void aFixedLayoutGivesTheWalksVerdictOnMalformedMessages()
    {
        final int acquire = new LockAcquireEncoder().wrapAndApplyHeader(buffer, 0, header)
            .ownerId(3).waitTimeout(-1).heldToken(0).acquireLimit(0).lockName("orders-book-7").limit();
        final int nameLengthOffset = acquire - "orders-book-7".length() - 2;

        buffer.putShort(nameLengthOffset, (short)1025, ByteOrder.LITTLE_ENDIAN);
        assertThat(bounds.check(buffer, 0, buffer.capacity())).isEqualTo(DecodeError.VAR_DATA_TOO_LONG.code());
        assertSameVerdict(buffer, buffer.capacity());

        buffer.putShort(nameLengthOffset, (short)1024, ByteOrder.LITTLE_ENDIAN);
        assertThat(bounds.check(buffer, 0, acquire)).isEqualTo(DecodeError.TRUNCATED.code());
        assertSameVerdict(buffer, acquire);

        buffer.putShort(0, (short)(LockAcquireEncoder.BLOCK_LENGTH - 1), ByteOrder.LITTLE_ENDIAN);
        assertThat(bounds.check(buffer, 0, acquire)).isEqualTo(DecodeError.BLOCK_TOO_SHORT.code());
        assertSameVerdict(buffer, acquire);

        final int vote = new RequestVoteEncoder().wrapAndApplyHeader(buffer, 0, header)
            .term(2).candidateId(1).lastLogIndex(5).lastLogTerm(1).voteKind(VoteKind.VOTE)
            .leadershipTransfer(RaftFlag.NO).limit();
        assertThat(bounds.check(buffer, 0, vote)).isEqualTo(vote);
        final int secondEnum =
            MessageHeaderEncoder.ENCODED_LENGTH + RequestVoteEncoder.leadershipTransferEncodingOffset();
        for (int value = 0; value < 256; value++)
        {
            buffer.putByte(secondEnum, (byte)value);
            assertSameVerdict(buffer, vote);
        }
        buffer.putByte(secondEnum, (byte)64);
        assertThat(bounds.check(buffer, 0, vote)).isEqualTo(DecodeError.BAD_ENUM.code());
    }

    @Test
    void aFixedLayoutGivesTheWalksVerdictOnRandomBytesOfEveryTemplate()
    {
        final Random random = new Random(0xF1EDL);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[512]);
        int templates = 0;
        for (int templateId = 0; templateId < 256; templateId++)
        {
            final int blockLength = bounds.schemaBlockLength(templateId);
            if (blockLength < 0)
            {
                continue;
            }
            templates++;
            int accepted = 0;
            for (int i = 0; i < 3_000; i++)
            {
                final int length = randomMessage(random, message, templateId, blockLength);
                final int available = random.nextInt(length + 8);
                final UnsafeBuffer exact = new UnsafeBuffer(message, 0, Math.min(available, message.capacity()));
                final int result = assertSameVerdict(exact, exact.capacity());
                accepted += result >= 0 ? 1 : 0;
            }
            if (bounds.hasFixedLayout(templateId))
            {
                assertThat(accepted).as("template %d: some random messages are well formed", templateId).isPositive();
            }
        }
        assertThat(templates).isGreaterThan(30);
    }

    /**
     * A header for the template (now and then another block length or version), random block bytes whose enums are
     * often valid, then up to four length-prefixed chunks with a random length field size, then random byte flips.
     */
    private static int randomMessage(
        final Random random, final UnsafeBuffer message, final int templateId, final int schemaBlockLength)
    {
        final int blockLength = random.nextInt(8) == 0 ? random.nextInt(schemaBlockLength + 9) : schemaBlockLength;
        final int version = random.nextInt(8) == 0 ? random.nextInt(4) : MessageHeaderDecoder.SCHEMA_VERSION;
        message.putShort(0, (short)blockLength, ByteOrder.LITTLE_ENDIAN);
        message.putShort(2, (short)templateId, ByteOrder.LITTLE_ENDIAN);
        message.putShort(4, (short)MessageHeaderDecoder.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
        message.putShort(6, (short)version, ByteOrder.LITTLE_ENDIAN);
        int position = MessageHeaderEncoder.ENCODED_LENGTH;
        for (int i = 0; i < blockLength; i++)
        {
            message.putByte(position++, (byte)random.nextInt(random.nextBoolean() ? 4 : 256));
        }
        final int chunks = random.nextInt(5);
        for (int c = 0; c < chunks; c++)
        {
            final int dataLength = random.nextInt(24);
            if (random.nextBoolean())
            {
                message.putShort(position, (short)dataLength, ByteOrder.LITTLE_ENDIAN);
                position += Short.BYTES;
            }
            else
            {
                message.putInt(position, dataLength, ByteOrder.LITTLE_ENDIAN);
                position += Integer.BYTES;
            }
            for (int i = 0; i < dataLength; i++)
            {
                message.putByte(position++, (byte)random.nextInt());
            }
        }
        final int flips = random.nextInt(3);
        for (int f = 0; f < flips; f++)
        {
            message.putByte(random.nextInt(position), (byte)random.nextInt());
        }
        return position;
    }

    private int assertSameVerdict(final UnsafeBuffer message, final int length)
    {
        final int result = bounds.check(message, 0, length);
        assertThat(result).as("fixed layout against the walk").isEqualTo(bounds.checkByWalking(message, 0, length, -1));
        final int templateId = length >= MessageHeaderDecoder.ENCODED_LENGTH ?
            message.getShort(2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF : 0;
        assertThat(bounds.check(message, 0, length, templateId))
            .isEqualTo(bounds.checkByWalking(message, 0, length, templateId));
        assertThat(bounds.check(message, 0, length, templateId + 1))
            .isEqualTo(bounds.checkByWalking(message, 0, length, templateId + 1));
        return result;
    }
}
