using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using BilbyRelay.Core.Protocol;

namespace BilbyRelay.Core.Tests.Protocol;

public class FrameReaderTests
{
    private static readonly PipeOptions Roomy = new(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false);

    [Fact]
    public async Task Frame_AssembledFromOneByteWrites()
    {
        var pipe = new Pipe(Roomy);
        var reader = new FrameReader(pipe.Reader);
        byte[] frame = Frame("""{"type":"ping"}""");

        var read = reader.ReadAsync(CancellationToken.None).AsTask();
        foreach (byte b in frame)
        {
            Assert.False(read.IsCompleted);
            await pipe.Writer.WriteAsync(new[] { b });
        }

        Assert.Equal(FrameReadStatus.Frame, await read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("""{"type":"ping"}""", Encoding.UTF8.GetString(reader.Payload.ToArray()));
    }

    [Fact]
    public async Task Frames_BackToBackAreReadInOrder()
    {
        var pipe = new Pipe(Roomy);
        var reader = new FrameReader(pipe.Reader);
        await pipe.Writer.WriteAsync(Frame("a").Concat(Frame("bb")).Concat(Frame("")).ToArray());
        await pipe.Writer.CompleteAsync();

        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default));
        Assert.Equal("a", Encoding.UTF8.GetString(reader.Payload.ToArray()));
        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default));
        Assert.Equal("bb", Encoding.UTF8.GetString(reader.Payload.ToArray()));
        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default));
        Assert.Equal(0, reader.Payload.Length);
        Assert.Equal(FrameReadStatus.EndOfStream, await reader.ReadAsync(default));
    }

    [Fact]
    public async Task Oversized_DetectedFromPrefixAlone()
    {
        var pipe = new Pipe(Roomy);
        var reader = new FrameReader(pipe.Reader);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, RelayProtocol.MaxFrameLength + 1);

        // Only the prefix is ever sent: the reader must decide without waiting for the body.
        await pipe.Writer.WriteAsync(prefix);

        Assert.Equal(FrameReadStatus.Oversized, await reader.ReadAsync(default).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(RelayProtocol.MaxFrameLength + 1, reader.DeclaredLength);
    }

    [Fact]
    public async Task MaxLength_IsAccepted()
    {
        var pipe = new Pipe(Roomy);
        var reader = new FrameReader(pipe.Reader);
        var body = new byte[RelayProtocol.MaxFrameLength];
        body.AsSpan().Fill((byte)'x');
        await pipe.Writer.WriteAsync(Frame(body));

        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default));
        Assert.Equal(RelayProtocol.MaxFrameLength, reader.Payload.Length);
    }

    [Fact]
    public async Task PartFrame_AsksOnceForAWindowThatHoldsIt()
    {
        var pipe = new Pipe(Roomy);
        var asked = new List<long>();
        var firstAsk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new FrameReader(pipe.Reader, needReceiveWindow: bytes =>
        {
            asked.Add(bytes);
            firstAsk.TrySetResult();
        });
        var frame = Frame(new byte[300_000]);

        var read = reader.ReadAsync(default).AsTask();
        await pipe.Writer.WriteAsync(frame.AsMemory(0, 100));
        await firstAsk.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await pipe.Writer.WriteAsync(frame.AsMemory(100, 1000));
        await pipe.Writer.WriteAsync(frame.AsMemory(1100));

        Assert.Equal(FrameReadStatus.Frame, await read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(new long[] { 300_004 }, asked);
    }

    [Fact]
    public async Task WholeFrame_AsksForNoWindow()
    {
        var pipe = new Pipe(Roomy);
        var asked = new List<long>();
        var reader = new FrameReader(pipe.Reader, needReceiveWindow: asked.Add);
        await pipe.Writer.WriteAsync(Frame("{\"type\":\"ping\"}"));

        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default));
        Assert.Empty(asked);
    }

    [Fact]
    public async Task FinInsideFrame_IsTruncated()
    {
        var pipe = new Pipe(Roomy);
        var reader = new FrameReader(pipe.Reader);
        await pipe.Writer.WriteAsync(Frame("{\"type\":\"ping\"}").AsMemory(0, 8));
        await pipe.Writer.CompleteAsync();

        Assert.Equal(FrameReadStatus.Truncated, await reader.ReadAsync(default));
    }

    [Fact]
    public async Task ReleaseFrame_LeavesFollowingBytesInThePipe()
    {
        var pipe = new Pipe(Roomy);
        var reader = new FrameReader(pipe.Reader);
        await pipe.Writer.WriteAsync(Frame("h").Concat("raw"u8.ToArray()).ToArray());

        Assert.Equal(FrameReadStatus.Frame, await reader.ReadAsync(default));
        reader.ReleaseFrame();
        var rest = await pipe.Reader.ReadAsync();
        Assert.Equal("raw", Encoding.UTF8.GetString(rest.Buffer.ToArray()));
    }

    internal static byte[] Frame(string json) => Frame(Encoding.UTF8.GetBytes(json));

    internal static byte[] Frame(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }
}
