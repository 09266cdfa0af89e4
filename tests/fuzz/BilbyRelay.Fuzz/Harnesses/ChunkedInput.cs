using System.Buffers;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>
/// Splits fuzz input the way a socket might deliver it: the first byte picks the chunk size
/// (1 to 32 bytes), so a length prefix, a UTF-8 sequence or a CRLF can straddle two segments.
/// </summary>
internal static class ChunkedInput
{
    public static (int ChunkSize, ReadOnlyMemory<byte> Body) Split(byte[] input) =>
        input.Length == 0 ? (1, ReadOnlyMemory<byte>.Empty) : ((input[0] & 31) + 1, input.AsMemory(1));

    /// <summary>The body as a multi-segment sequence of <paramref name="chunkSize"/>-byte segments.</summary>
    public static ReadOnlySequence<byte> AsSequence(ReadOnlyMemory<byte> body, int chunkSize)
    {
        if (body.Length <= chunkSize)
        {
            return new ReadOnlySequence<byte>(body);
        }

        var first = new Segment(body[..chunkSize], 0);
        var last = first;
        for (int offset = chunkSize; offset < body.Length; offset += chunkSize)
        {
            last = last.Append(body.Slice(offset, Math.Min(chunkSize, body.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
