package dev.grid.core;

import dev.grid.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Signal;
import uk.co.real_logic.sbe.ir.Token;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.MessageSchema;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import java.io.InputStream;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Structural validation of SBE messages against the grid's schema, before any codec reads them.
 * <p>
 * The validation tables are compiled once, from the schema's IR, so every message and every field added to the
 * schema is covered without hand-written checks. {@link #check} walks a message the way a decoder would (header,
 * block, repeating groups, variable-length fields, in schema order and honouring the acting version) and proves
 * that every length it meets stays inside the given bytes, every block is long enough for its version's fields,
 * and every enum holds a defined value. It never reads outside {@code [offset, offset + length)}, never throws
 * and never allocates, so it can run on the agent thread for every message that came from a peer, a client or
 * the disk.
 * <p>
 * Most templates have a fixed layout: no repeating group, at most two one-byte enums and three variable-length
 * fields, every field present from one acting version on. For those, {@link #check} reads a few words compiled
 * for the template ({@link #fixedLayouts}) instead of walking the shape's objects; the verdict, error code
 * included, is the walk's (tests compare the two on valid and malformed bytes of every template).
 */
public final class MessageBounds
{
    /** The schema resource inside grid-core's jar. */
    public static final String SCHEMA_RESOURCE = "/sbe/grid-schema.xml";

    private static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;

    // A fixed layout is LAYOUT_STRIDE words per template id: the control word (0 for a template without a fixed
    // layout), the valid-value bitmaps of up to two enums, then one word per variable-length field, in order.
    private static final int LAYOUT_SHIFT = 3;
    private static final int LAYOUT_STRIDE = 1 << LAYOUT_SHIFT;
    private static final int LAYOUT_ENUMS = 1;
    private static final int LAYOUT_VAR_FIELDS = 3;
    private static final int MAX_FIXED_ENUMS = 2;
    private static final int MAX_FIXED_VAR_FIELDS = 3;

    // Control word: minimum block length (bits 0-15), the acting version from which the layout holds (16-31), var
    // field count (32-33), enum count (34-35), the enums' offsets in the block (36-47, 48-59), set bit 63.
    private static final long CONTROL_FIXED = 1L << 63;
    private static final int VERSION_SHIFT = 16;
    private static final int VAR_COUNT_SHIFT = 32;
    private static final int ENUM_COUNT_SHIFT = 34;
    private static final int ENUM_OFFSET_SHIFT = 36;
    private static final int ENUM_OFFSET_BITS = 12;
    private static final int MAX_FIXED_ENUM_OFFSET = (1 << ENUM_OFFSET_BITS) - 1;

    // Var field word: maximum length (bits 0-31, unsigned), header length (32-39), size of the length field (40-47).
    private static final int VAR_HEADER_SHIFT = 32;
    private static final int VAR_LENGTH_SIZE_SHIFT = 40;

    private final Shape[] shapesByTemplateId;
    private final long[] fixedLayouts;

    private MessageBounds(final Shape[] shapesByTemplateId)
    {
        this.shapesByTemplateId = shapesByTemplateId;
        fixedLayouts = new long[shapesByTemplateId.length << LAYOUT_SHIFT];
        for (int templateId = 0; templateId < shapesByTemplateId.length; templateId++)
        {
            final Shape shape = shapesByTemplateId[templateId];
            if (null != shape)
            {
                compileFixedLayout(shape, fixedLayouts, templateId << LAYOUT_SHIFT);
            }
        }
    }

    /**
     * @return the validator for the grid's schema, compiled on first use.
     */
    public static MessageBounds instance()
    {
        return Holder.INSTANCE;
    }

    /**
     * Checks that the bytes hold one whole, well-formed message of any template of the schema.
     *
     * @param buffer holding the message.
     * @param offset of the message header.
     * @param length of the bytes available from offset; the message may be shorter.
     * @return the message's encoded length (header included), or a negative {@link DecodeError#code()}.
     */
    public int check(final DirectBuffer buffer, final int offset, final int length)
    {
        return check(buffer, offset, length, -1);
    }

    /**
     * Checks that the bytes hold one whole, well-formed message of the expected template.
     *
     * @param buffer             holding the message.
     * @param offset             of the message header.
     * @param length             of the bytes available from offset; the message may be shorter.
     * @param expectedTemplateId the template the caller can handle, or -1 for any template of the schema.
     * @return the message's encoded length (header included), or a negative {@link DecodeError#code()}.
     */
    public int check(final DirectBuffer buffer, final int offset, final int length, final int expectedTemplateId)
    {
        return check(buffer, offset, length, expectedTemplateId, true);
    }

    /**
     * {@link #check(DirectBuffer, int, int, int)} by the generic walk alone, ignoring the fixed layouts: the
     * reference the fixed layouts are tested against.
     */
    int checkByWalking(final DirectBuffer buffer, final int offset, final int length, final int expectedTemplateId)
    {
        return check(buffer, offset, length, expectedTemplateId, false);
    }

    /**
     * @param templateId of a message in the schema.
     * @return true if {@link #check} validates the template by its fixed layout (at the schema's version).
     */
    boolean hasFixedLayout(final int templateId)
    {
        return templateId >= 0 && templateId < shapesByTemplateId.length &&
            0 != fixedLayouts[templateId << LAYOUT_SHIFT] &&
            MessageHeaderDecoder.SCHEMA_VERSION >= fromVersion(fixedLayouts[templateId << LAYOUT_SHIFT]);
    }

    private int check(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int expectedTemplateId,
        final boolean useFixedLayouts)
    {
        if (offset < 0 || length < HEADER_LENGTH || offset > buffer.capacity() - length)
        {
            return DecodeError.TRUNCATED.code();
        }
        // The four uint16 header fields in one read: blockLength, templateId, schemaId, version.
        final long header = buffer.getLong(offset, ByteOrder.LITTLE_ENDIAN);
        final int blockLength = (int)(header & 0xFFFF);
        final int templateId = (int)((header >>> 16) & 0xFFFF);
        final int schemaId = (int)((header >>> 32) & 0xFFFF);
        final int actingVersion = (int)(header >>> 48);

        if (schemaId != MessageHeaderDecoder.SCHEMA_ID)
        {
            return DecodeError.WRONG_SCHEMA.code();
        }
        if (0 == actingVersion)
        {
            return DecodeError.BAD_VERSION.code();
        }
        if (templateId >= shapesByTemplateId.length)
        {
            return DecodeError.UNKNOWN_TEMPLATE.code();
        }
        final long[] layouts = fixedLayouts;
        final int layout = templateId << LAYOUT_SHIFT;
        final long control = layouts[layout];
        if (useFixedLayouts && 0 != control && actingVersion >= fromVersion(control))
        {
            if (expectedTemplateId >= 0 && templateId != expectedTemplateId)
            {
                return DecodeError.UNEXPECTED_TEMPLATE.code();
            }
            return checkFixedLayout(layouts, layout, control, buffer, offset, length, blockLength);
        }

        final Shape shape = shapesByTemplateId[templateId];
        if (null == shape)
        {
            return DecodeError.UNKNOWN_TEMPLATE.code();
        }
        if (expectedTemplateId >= 0 && templateId != expectedTemplateId)
        {
            return DecodeError.UNEXPECTED_TEMPLATE.code();
        }

        final int limit = offset + length;
        final int blockStart = offset + HEADER_LENGTH;
        if (blockLength > limit - blockStart)
        {
            return DecodeError.TRUNCATED.code();
        }
        final int blockResult = shape.block.check(buffer, blockStart, blockLength, actingVersion);
        if (blockResult < 0)
        {
            return blockResult;
        }
        final int end = checkSections(shape.sections, buffer, blockStart + blockLength, limit, actingVersion);

        return end < 0 ? end : end - offset;
    }

    /**
     * The walk's checks in the walk's order (block inside the bytes, long enough, enums, then each var field's
     * length header, maximum and data), from the template's compiled words.
     */
    private static int checkFixedLayout(
        final long[] layouts,
        final int layout,
        final long control,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int blockLength)
    {
        final int limit = offset + length;
        final int blockStart = offset + HEADER_LENGTH;
        if (blockLength > limit - blockStart)
        {
            return DecodeError.TRUNCATED.code();
        }
        if (blockLength < (int)(control & 0xFFFF))
        {
            return DecodeError.BLOCK_TOO_SHORT.code();
        }

        final int enumCount = (int)(control >>> ENUM_COUNT_SHIFT) & 3;
        for (int i = 0; i < enumCount; i++)
        {
            final int enumOffset =
                (int)(control >>> (ENUM_OFFSET_SHIFT + i * ENUM_OFFSET_BITS)) & MAX_FIXED_ENUM_OFFSET;
            final int value = buffer.getByte(blockStart + enumOffset) & 0xFF;
            // A value of 64 or more is never valid here: compiling refused enums with such values.
            if (value >= Long.SIZE || 0 == (layouts[layout + LAYOUT_ENUMS + i] & (1L << value)))
            {
                return DecodeError.BAD_ENUM.code();
            }
        }

        final int varCount = (int)(control >>> VAR_COUNT_SHIFT) & 3;
        int position = blockStart + blockLength;
        for (int i = 0; i < varCount; i++)
        {
            final long field = layouts[layout + LAYOUT_VAR_FIELDS + i];
            final int headerLength = (int)(field >>> VAR_HEADER_SHIFT) & 0xFF;
            if (headerLength > limit - position)
            {
                return DecodeError.TRUNCATED.code();
            }
            final long dataLength = readUnsigned(buffer, position, (int)(field >>> VAR_LENGTH_SIZE_SHIFT) & 0xFF);
            if (dataLength > (field & 0xFFFF_FFFFL))
            {
                return DecodeError.VAR_DATA_TOO_LONG.code();
            }
            final int dataStart = position + headerLength;
            if (dataLength > limit - dataStart)
            {
                return DecodeError.TRUNCATED.code();
            }
            position = dataStart + (int)dataLength;
        }
        return position - offset;
    }

    private static int fromVersion(final long control)
    {
        return (int)(control >>> VERSION_SHIFT) & 0xFFFF;
    }

    /**
     * @param templateId of a message in the schema.
     * @return the block length the schema gives the template, or -1 if the schema has no such template.
     */
    public int schemaBlockLength(final int templateId)
    {
        final Shape shape = templateId >= 0 && templateId < shapesByTemplateId.length ?
            shapesByTemplateId[templateId] : null;
        return null == shape ? -1 : shape.block.schemaBlockLength;
    }

    private static int checkSections(
        final Section[] sections, final DirectBuffer buffer, final int start, final int limit, final int actingVersion)
    {
        int position = start;
        for (final Section section : sections)
        {
            if (section.sinceVersion > actingVersion)
            {
                continue;
            }
            position = section.isGroup ?
                checkGroup(section, buffer, position, limit, actingVersion) :
                checkVarData(section, buffer, position, limit);
            if (position < 0)
            {
                return position;
            }
        }
        return position;
    }

    private static int checkGroup(
        final Section group, final DirectBuffer buffer, final int start, final int limit, final int actingVersion)
    {
        if (group.headerLength > limit - start)
        {
            return DecodeError.TRUNCATED.code();
        }
        final int entryBlockLength = (int)readUnsigned(buffer, start + group.blockLengthOffset, group.blockLengthSize);
        final long count = readUnsigned(buffer, start + group.countOffset, group.countSize);
        int position = start + group.headerLength;
        if (entryBlockLength > 0 && count > (limit - position) / entryBlockLength)
        {
            return DecodeError.TRUNCATED.code();
        }
        if (0 == entryBlockLength && 0 == group.nested.length)
        {
            return group.block.check(buffer, position, 0, actingVersion) < 0 && count > 0 ?
                DecodeError.BLOCK_TOO_SHORT.code() : position;
        }
        for (long i = 0; i < count; i++)
        {
            if (entryBlockLength > limit - position)
            {
                return DecodeError.TRUNCATED.code();
            }
            final int blockResult = group.block.check(buffer, position, entryBlockLength, actingVersion);
            if (blockResult < 0)
            {
                return blockResult;
            }
            position = checkSections(group.nested, buffer, position + entryBlockLength, limit, actingVersion);
            if (position < 0)
            {
                return position;
            }
        }
        return position;
    }

    private static int checkVarData(final Section varData, final DirectBuffer buffer, final int start, final int limit)
    {
        if (varData.headerLength > limit - start)
        {
            return DecodeError.TRUNCATED.code();
        }
        final long dataLength = readUnsigned(buffer, start, varData.countSize);
        if (dataLength > varData.maxLength)
        {
            return DecodeError.VAR_DATA_TOO_LONG.code();
        }
        final int dataStart = start + varData.headerLength;
        if (dataLength > limit - dataStart)
        {
            return DecodeError.TRUNCATED.code();
        }
        return dataStart + (int)dataLength;
    }

    private static long readUnsigned(final DirectBuffer buffer, final int index, final int size)
    {
        if (4 == size)
        {
            return buffer.getInt(index, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
        }
        if (2 == size)
        {
            return buffer.getShort(index, ByteOrder.LITTLE_ENDIAN) & 0xFFFFL;
        }
        return buffer.getByte(index) & 0xFFL;
    }

    private static int unsignedSize(final PrimitiveType type)
    {
        switch (type)
        {
            case UINT8:
                return 1;
            case UINT16:
                return 2;
            case UINT32:
                return 4;
            default:
                throw new IllegalStateException("unsupported length type " + type);
        }
    }

    /**
     * The fixed part of a message or group entry: how long it must be for a version, and its enum fields.
     */
    private static final class Block
    {
        final int schemaBlockLength;
        /** The shortest block each acting version may send: the end of its last field. */
        final int[] minLengthByVersion;
        final EnumField[] enums;

        Block(final int schemaBlockLength, final int[] fieldEnds, final int[] fieldVersions, final EnumField[] enums)
        {
            this.schemaBlockLength = schemaBlockLength;
            int maxVersion = 0;
            for (final int version : fieldVersions)
            {
                maxVersion = Math.max(maxVersion, version);
            }
            minLengthByVersion = new int[maxVersion + 1];
            for (int version = 0; version <= maxVersion; version++)
            {
                for (int i = 0; i < fieldEnds.length; i++)
                {
                    if (fieldVersions[i] <= version)
                    {
                        minLengthByVersion[version] = Math.max(minLengthByVersion[version], fieldEnds[i]);
                    }
                }
            }
            this.enums = enums;
        }

        int check(final DirectBuffer buffer, final int blockStart, final int blockLength, final int actingVersion)
        {
            final int[] minLengths = minLengthByVersion;
            if (blockLength < minLengths[Math.min(actingVersion, minLengths.length - 1)])
            {
                return DecodeError.BLOCK_TOO_SHORT.code();
            }
            for (final EnumField field : enums)
            {
                if (field.sinceVersion <= actingVersion && !field.isValid(buffer, blockStart))
                {
                    return DecodeError.BAD_ENUM.code();
                }
            }
            return 0;
        }
    }

    private static final class EnumField
    {
        final int offset;
        final int sinceVersion;
        final PrimitiveType type;
        final long[] sortedValues;
        /** For one-byte enums (nearly all): bit v is set if v is a valid value, a check without a search. */
        final long[] byteValues;

        EnumField(final int offset, final int sinceVersion, final PrimitiveType type, final long[] sortedValues)
        {
            this.offset = offset;
            this.sinceVersion = sinceVersion;
            this.type = type;
            this.sortedValues = sortedValues;
            if (type == PrimitiveType.UINT8)
            {
                byteValues = new long[4];
                for (final long value : sortedValues)
                {
                    byteValues[(int)(value >>> 6)] |= 1L << value;
                }
            }
            else
            {
                byteValues = null;
            }
        }

        boolean isValid(final DirectBuffer buffer, final int blockStart)
        {
            if (null != byteValues)
            {
                final int value = buffer.getByte(blockStart + offset) & 0xFF;
                return (byteValues[value >>> 6] & (1L << value)) != 0;
            }
            final long value;
            switch (type)
            {
                case CHAR:
                case INT8:
                    value = buffer.getByte(blockStart + offset);
                    break;
                case UINT16:
                    value = buffer.getShort(blockStart + offset, ByteOrder.LITTLE_ENDIAN) & 0xFFFFL;
                    break;
                case INT16:
                    value = buffer.getShort(blockStart + offset, ByteOrder.LITTLE_ENDIAN);
                    break;
                case UINT32:
                    value = buffer.getInt(blockStart + offset, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
                    break;
                case INT32:
                    value = buffer.getInt(blockStart + offset, ByteOrder.LITTLE_ENDIAN);
                    break;
                default:
                    value = buffer.getLong(blockStart + offset, ByteOrder.LITTLE_ENDIAN);
                    break;
            }
            return Arrays.binarySearch(sortedValues, value) >= 0;
        }
    }

    /**
     * A repeating group or a variable-length field, in the order they follow the block.
     */
    private static final class Section
    {
        final boolean isGroup;
        final int sinceVersion;
        final int headerLength;
        final int countSize;
        final long maxLength;
        final int blockLengthOffset;
        final int blockLengthSize;
        final int countOffset;
        final Block block;
        final Section[] nested;

        private Section(
            final boolean isGroup,
            final int sinceVersion,
            final int headerLength,
            final int countSize,
            final long maxLength,
            final int blockLengthOffset,
            final int blockLengthSize,
            final int countOffset,
            final Block block,
            final Section[] nested)
        {
            this.isGroup = isGroup;
            this.sinceVersion = sinceVersion;
            this.headerLength = headerLength;
            this.countSize = countSize;
            this.maxLength = maxLength;
            this.blockLengthOffset = blockLengthOffset;
            this.blockLengthSize = blockLengthSize;
            this.countOffset = countOffset;
            this.block = block;
            this.nested = nested;
        }
    }

    private static final class Shape
    {
        final Block block;
        final Section[] sections;

        Shape(final Block block, final Section[] sections)
        {
            this.block = block;
            this.sections = sections;
        }
    }

    /**
     * Writes the template's fixed layout at {@code layout}, or leaves its control word 0 if the shape has none: a
     * repeating group, more enums or var fields than a layout holds, an enum that is not one byte with values below
     * 64, or a length above what the words hold.
     */
    private static void compileFixedLayout(final Shape shape, final long[] layouts, final int layout)
    {
        final Block block = shape.block;
        final int[] minLengths = block.minLengthByVersion;
        final int minBlockLength = minLengths[minLengths.length - 1];
        if (block.enums.length > MAX_FIXED_ENUMS || shape.sections.length > MAX_FIXED_VAR_FIELDS ||
            minBlockLength > 0xFFFF)
        {
            return;
        }
        final long[] words = new long[LAYOUT_STRIDE];
        int fromVersion = minLengths.length - 1;
        long control = CONTROL_FIXED | minBlockLength |
            (long)shape.sections.length << VAR_COUNT_SHIFT | (long)block.enums.length << ENUM_COUNT_SHIFT;
        for (int i = 0; i < block.enums.length; i++)
        {
            final EnumField field = block.enums[i];
            if (field.type != PrimitiveType.UINT8 || field.offset > MAX_FIXED_ENUM_OFFSET)
            {
                return;
            }
            for (final long value : field.sortedValues)
            {
                if (value < 0 || value >= Long.SIZE)
                {
                    return;
                }
                words[LAYOUT_ENUMS + i] |= 1L << value;
            }
            fromVersion = Math.max(fromVersion, field.sinceVersion);
            control |= (long)field.offset << (ENUM_OFFSET_SHIFT + i * ENUM_OFFSET_BITS);
        }
        for (int i = 0; i < shape.sections.length; i++)
        {
            final Section section = shape.sections[i];
            if (section.isGroup || section.maxLength > 0xFFFF_FFFFL || section.headerLength > 0xFF)
            {
                return;
            }
            fromVersion = Math.max(fromVersion, section.sinceVersion);
            words[LAYOUT_VAR_FIELDS + i] = section.maxLength |
                (long)section.headerLength << VAR_HEADER_SHIFT | (long)section.countSize << VAR_LENGTH_SIZE_SHIFT;
        }
        if (fromVersion > 0xFFFF)
        {
            return;
        }
        words[0] = control | (long)fromVersion << VERSION_SHIFT;
        System.arraycopy(words, 0, layouts, layout, LAYOUT_STRIDE);
    }

    private static final class Holder
    {
        static final MessageBounds INSTANCE = compile();
    }

    static MessageBounds compile()
    {
        final Ir ir;
        try (InputStream in = MessageBounds.class.getResourceAsStream(SCHEMA_RESOURCE))
        {
            if (null == in)
            {
                throw new IllegalStateException("missing schema resource " + SCHEMA_RESOURCE);
            }
            final MessageSchema schema = XmlSchemaParser.parse(in, ParserOptions.builder()
                .stopOnError(true)
                .suppressOutput(true)
                .build());
            ir = new IrGenerator().generate(schema);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("cannot compile " + SCHEMA_RESOURCE, ex);
        }
        if (ir.id() != MessageHeaderDecoder.SCHEMA_ID || ir.version() != MessageHeaderDecoder.SCHEMA_VERSION)
        {
            throw new IllegalStateException("schema resource does not match the generated codecs");
        }

        int maxTemplateId = 0;
        for (final List<Token> tokens : ir.messages())
        {
            maxTemplateId = Math.max(maxTemplateId, tokens.get(0).id());
        }
        final Shape[] shapes = new Shape[maxTemplateId + 1];
        for (final List<Token> tokens : ir.messages())
        {
            final Token begin = tokens.get(0);
            final List<Token> body = tokens.subList(1, tokens.size() - 1);
            shapes[begin.id()] = new Shape(compileBlock(begin.encodedLength(), body), compileSections(body));
        }
        return new MessageBounds(shapes);
    }

    private static Block compileBlock(final int schemaBlockLength, final List<Token> tokens)
    {
        final List<int[]> fields = new ArrayList<>();
        final List<EnumField> enums = new ArrayList<>();
        int i = 0;
        while (i < tokens.size())
        {
            final Token token = tokens.get(i);
            if (token.signal() != Signal.BEGIN_FIELD)
            {
                break;
            }
            final Token type = tokens.get(i + 1);
            if (!type.isConstantEncoding() && type.encodedLength() > 0)
            {
                fields.add(new int[]{ type.offset() + type.encodedLength(), token.version() });
            }
            if (type.signal() == Signal.BEGIN_ENUM)
            {
                final List<Long> values = new ArrayList<>();
                for (int v = i + 2; tokens.get(v).signal() == Signal.VALID_VALUE; v++)
                {
                    values.add(tokens.get(v).encoding().constValue().longValue());
                }
                if (type.isOptionalEncoding())
                {
                    values.add(type.encoding().applicableNullValue().longValue());
                }
                enums.add(new EnumField(
                    type.offset(),
                    token.version(),
                    type.encoding().primitiveType(),
                    values.stream().mapToLong(Long::longValue).sorted().toArray()));
            }
            i += token.componentTokenCount();
        }

        final int[] fieldEnds = new int[fields.size()];
        final int[] fieldVersions = new int[fields.size()];
        for (int f = 0; f < fields.size(); f++)
        {
            fieldEnds[f] = fields.get(f)[0];
            fieldVersions[f] = fields.get(f)[1];
        }
        return new Block(schemaBlockLength, fieldEnds, fieldVersions, enums.toArray(new EnumField[0]));
    }

    private static Section[] compileSections(final List<Token> tokens)
    {
        final List<Section> sections = new ArrayList<>();
        int i = 0;
        while (i < tokens.size())
        {
            final Token token = tokens.get(i);
            final int span = token.componentTokenCount();
            if (token.signal() == Signal.BEGIN_GROUP)
            {
                final List<Token> group = tokens.subList(i + 1, i + span - 1);
                final Token dimensions = group.get(0);
                final List<Token> dimensionParts = group.subList(1, dimensions.componentTokenCount() - 1);
                final Token blockLengthToken = find(dimensionParts, "blockLength");
                final Token countToken = find(dimensionParts, "numInGroup");
                final List<Token> groupBody = group.subList(dimensions.componentTokenCount(), group.size());
                sections.add(new Section(
                    true,
                    token.version(),
                    dimensions.encodedLength(),
                    unsignedSize(countToken.encoding().primitiveType()),
                    0,
                    blockLengthToken.offset(),
                    unsignedSize(blockLengthToken.encoding().primitiveType()),
                    countToken.offset(),
                    compileBlock(token.encodedLength(), groupBody),
                    compileSections(groupBody)));
            }
            else if (token.signal() == Signal.BEGIN_VAR_DATA)
            {
                final List<Token> parts = tokens.subList(i + 1, i + span - 1);
                final Token lengthToken = find(parts, "length");
                final Token dataToken = find(parts, "varData");
                sections.add(new Section(
                    false,
                    token.version(),
                    dataToken.offset(),
                    unsignedSize(lengthToken.encoding().primitiveType()),
                    lengthToken.encoding().applicableMaxValue().longValue(),
                    0,
                    0,
                    0,
                    null,
                    new Section[0]));
            }
            i += span;
        }
        return sections.toArray(new Section[0]);
    }

    private static Token find(final List<Token> tokens, final String name)
    {
        for (final Token token : tokens)
        {
            if (token.signal() == Signal.ENCODING && name.equals(token.name()))
            {
                return token;
            }
        }
        throw new IllegalStateException("schema composite lacks " + name + ": " + tokens);
    }
}
