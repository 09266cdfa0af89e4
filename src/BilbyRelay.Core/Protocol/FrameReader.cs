using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace BilbyRelay.Core.Protocol;

/// <summary>What <see cref="FrameReader.ReadAsync"/> found.</summary>
public enum FrameReadStatus
{
    /// <summary>A whole frame; its body is in <see cref="FrameReader.Payload"/>.</summary>
    Frame,

    /// <summary>The peer finished the stream cleanly between frames.</summary>
    EndOfStream,

    /// <summary>The peer finished the stream in the middle of a frame.</summary>
    Truncated,

    /// <summary>The length prefix exceeds the cap; the body was not read. Stop reading this stream.</summary>
    Oversized,
}

/// <summary>
/// Reads <c>u32 BE length | body</c> frames from a pipe. The cap is enforced from the prefix alone,
/// so an oversized body is never buffered. Not thread-safe: one reader loop owns an instance.
/// </summary>
/// <remarks>
/// A frame completes only once all of it sits unconsumed in the input pipe. When a declared frame is
/// longer than what has arrived, the reader reports the bytes it must hold through the optional
/// window callback, so a flow-controlled transport can start its streams with small windows and
/// grow one only for the rare large frame.
/// </remarks>
public sealed class FrameReader
{
    private readonly PipeReader _input;
    private readonly int _maxFrameLength;
    private readonly Action<long>? _needReceiveWindow;
    private SequencePosition _frameEnd;
    private bool _holdingFrame;
    private long _windowRequested;

    /// <param name="input">The stream's input.</param>
    /// <param name="maxFrameLength">Longest frame body accepted.</param>
    /// <param name="needReceiveWindow">
    /// Told the number of unconsumed bytes a partly arrived frame needs (prefix and body), once per
    /// size, so the transport can let the peer send that much (see <see cref="Transport.IEdgeStream.EnsureReceiveWindow"/>).
    /// </param>
    public FrameReader(PipeReader input, int maxFrameLength = RelayProtocol.MaxFrameLength, Action<long>? needReceiveWindow = null)
    {
        _input = input;
        _maxFrameLength = maxFrameLength;
        _needReceiveWindow = needReceiveWindow;
    }

    /// <summary>Body of the last frame read; valid until the next <see cref="ReadAsync"/>.</summary>
    public ReadOnlySequence<byte> Payload { get; private set; }

    /// <summary>The declared length of the last frame (meaningful for <see cref="FrameReadStatus.Oversized"/>).</summary>
    public long DeclaredLength { get; private set; }

    /// <summary>
    /// Reads the next frame. Exceptions from the pipe (peer reset, connection loss, cancellation)
    /// propagate to the caller.
    /// </summary>
    public async ValueTask<FrameReadStatus> ReadAsync(CancellationToken ct)
    {
        if (_holdingFrame)
        {
            _holdingFrame = false;
            Payload = default;
            _input.AdvanceTo(_frameEnd);
        }

        while (true)
        {
            var result = await _input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= RelayProtocol.LengthPrefixSize)
            {
                uint length = ReadLength(buffer);
                DeclaredLength = length;
                if (length > (uint)_maxFrameLength)
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    return FrameReadStatus.Oversized;
                }

                if (buffer.Length - RelayProtocol.LengthPrefixSize >= length)
                {
                    Payload = buffer.Slice(RelayProtocol.LengthPrefixSize, length);
                    _frameEnd = Payload.End;
                    _holdingFrame = true;
                    return FrameReadStatus.Frame;
                }

                var needed = RelayProtocol.LengthPrefixSize + (long)length;
                if (_needReceiveWindow is not null && needed > _windowRequested)
                {
                    _windowRequested = needed;
                    _needReceiveWindow(needed);
                }
            }

            if (result.IsCanceled && !result.IsCompleted)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException("The frame read was cancelled.");
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return buffer.IsEmpty ? FrameReadStatus.EndOfStream : FrameReadStatus.Truncated;
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Marks the held frame consumed without starting another read, so the bytes after it can be
    /// read from the pipe directly (the data-stream splice does this after the header).
    /// </summary>
    public void ReleaseFrame()
    {
        if (_holdingFrame)
        {
            _holdingFrame = false;
            Payload = default;
            _input.AdvanceTo(_frameEnd);
        }
    }

    private static uint ReadLength(ReadOnlySequence<byte> buffer)
    {
        var first = buffer.FirstSpan;
        if (first.Length >= RelayProtocol.LengthPrefixSize)
        {
            return BinaryPrimitives.ReadUInt32BigEndian(first);
        }

        Span<byte> prefix = stackalloc byte[RelayProtocol.LengthPrefixSize];
        buffer.Slice(0, RelayProtocol.LengthPrefixSize).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt32BigEndian(prefix);
    }
}
