package dev.grid.jmh.log;

import dev.grid.core.LogEntryView;
import dev.grid.core.LogEntryWriter;
import dev.grid.sbe.EntryType;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * SBE encode (with the CRC-32C seal) and validated decode (schema bounds check, CRC-32C, field reads) of the log
 * entry envelope, on direct buffers as on the log's memory-mapped files and Aeron's terms.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EnvelopeCodecBenchmark
{
    @Param({ "64", "256" })
    int payloadLength;

    private final LogEntryWriter writer = new LogEntryWriter();
    private final LogEntryView view = new LogEntryView();
    private final UnsafeBuffer payload = new UnsafeBuffer(BufferUtil.allocateDirectAligned(1024, 64));
    private final UnsafeBuffer encodeBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
    private final UnsafeBuffer decodeBuffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
    private int encodedLength;
    private long index;

    @Setup
    public void setUp()
    {
        encodedLength = writer.write(decodeBuffer, 0, 3, 42, 123, EntryType.COMMAND, 1, 7, 9, payload, 0,
            payloadLength);
    }

    @Benchmark
    public int encode()
    {
        return writer.write(encodeBuffer, 0, 3, ++index, index, EntryType.COMMAND, 1, 7, index, payload, 0,
            payloadLength);
    }

    @Benchmark
    public long decodeAndVerify()
    {
        if (view.wrapAndVerify(decodeBuffer, 0, encodedLength) < 0)
        {
            throw new IllegalStateException("benchmark entry does not verify");
        }
        return view.term() + view.index() + view.timestamp() + view.sessionId() + view.requestSequence() +
            view.serviceId() + view.payloadLength();
    }
}
