using System.Buffers;
using System.IO.Pipelines;
using BilbyRelay.Core.Protocol;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>
/// The control stream as the relay reads it: length-prefixed frames through <see cref="FrameReader"/>
/// from a pipe fed in small chunks, each frame through <see cref="EdgeMessageParser"/>.
/// </summary>
internal static class ControlFrameHarness
{
    // Small enough that the fuzzer reaches the oversized branch; the relay's own cap is larger.
    private const int MaxFrameLength = 4096;

    public static void Run(byte[] input)
    {
        var (chunkSize, body) = ChunkedInput.Split(input);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 16, useSynchronizationContext: false));
        for (int offset = 0; offset < body.Length; offset += chunkSize)
        {
            pipe.Writer.Write(body.Span.Slice(offset, Math.Min(chunkSize, body.Length - offset)));
            pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }

        pipe.Writer.Complete();
        var reader = new FrameReader(pipe.Reader, MaxFrameLength);
        while (true)
        {
            var status = reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (status != FrameReadStatus.Frame)
            {
                Check(status is FrameReadStatus.EndOfStream or FrameReadStatus.Truncated or FrameReadStatus.Oversized, "unexpected read status");
                Check(status != FrameReadStatus.Oversized || reader.DeclaredLength > MaxFrameLength, "oversized below the cap");
                break;
            }

            Check(reader.Payload.Length <= MaxFrameLength, "frame above the cap");
            var result = EdgeMessageParser.Parse(reader.Payload);
            switch (result.Status)
            {
                case EdgeMessageParseStatus.Known:
                    Check(result.Message is not null, "known message without a message");
                    break;
                case EdgeMessageParseStatus.UnknownType:
                    _ = EdgeMessageParser.ReadTypeName(reader.Payload);
                    break;
                case EdgeMessageParseStatus.Malformed:
                    Check(result.Message is null, "malformed message with a message");
                    break;
                default:
                    Check(false, "unexpected parse status");
                    break;
            }
        }

        pipe.Reader.Complete();
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("control frames: " + what);
        }
    }
}
