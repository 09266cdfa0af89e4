using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tunnels;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Core.Tests.Protocol;

public class FrameWriterTests
{
    private static readonly TunnelId Id = TunnelId.Parse("6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6");

    public static TheoryData<string, string> Messages => new()
    {
        { "pong", """{"type":"pong"}""" },
        { "waiting", """{"type":"tunnel_waiting","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6"}""" },
        { "ready", """{"type":"tunnel_ready","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6"}""" },
        { "down", """{"type":"tunnel_down","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6","reason":"peer unbound"}""" },
        { "ack", """{"type":"hello_ack","protocol_version":2,"software_version":"0.1.0"}""" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task RelayMessage_WrittenAsLengthPrefixedJson(string name, string expected)
    {
        var message = name switch
        {
            "pong" => RelayMessage.Pong(),
            "waiting" => RelayMessage.TunnelWaiting(Id),
            "ready" => RelayMessage.TunnelReady(Id),
            "down" => RelayMessage.TunnelDown(Id, "peer unbound"),
            _ => RelayMessage.HelloAck(RelayProtocol.ProtocolVersion, "0.1.0"),
        };

        Assert.Equal(expected, await WriteAndReadBack(output => FrameWriter.Write(output, message)));
    }

    [Fact]
    public void Write_SteadyStateAllocatesNothing()
    {
        var sink = new CountingWriter();
        var message = RelayMessage.TunnelReady(Id);
        FrameWriter.Write(sink, message);
        long frameLength = sink.Written;

        long allocated = AllocationMeter.MinimumBytesPerRound(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                FrameWriter.Write(sink, message);
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(4 + Encoding.UTF8.GetByteCount("""{"type":"tunnel_ready","tunnel_id":"6f1c2a4e-8b3d-4c5e-9f60-718293a4b5c6"}"""), frameLength);
        Assert.Equal((1 + (1000 * AllocationMeter.TotalRounds)) * frameLength, sink.Written);
    }

    private static async Task<string> WriteAndReadBack(Action<PipeWriter> write)
    {
        var pipe = new Pipe();
        write(pipe.Writer);
        await pipe.Writer.FlushAsync();
        await pipe.Writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        while (!result.IsCompleted)
        {
            pipe.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await pipe.Reader.ReadAsync();
        }

        byte[] bytes = result.Buffer.ToArray();
        Assert.Equal(bytes.Length - 4, (int)BinaryPrimitives.ReadUInt32BigEndian(bytes));
        return Encoding.UTF8.GetString(bytes, 4, bytes.Length - 4);
    }

    /// <summary>A writer that reuses one buffer, so only FrameWriter's own allocations are measured.</summary>
    private sealed class CountingWriter : PipeWriter
    {
        private readonly byte[] _buffer = new byte[4096];

        public long Written { get; private set; }

        public override void Advance(int bytes) => Written += bytes;

        public override void CancelPendingFlush()
        {
        }

        public override void Complete(Exception? exception = null)
        {
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => default;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer;

        public override Span<byte> GetSpan(int sizeHint = 0) => _buffer;
    }
}
