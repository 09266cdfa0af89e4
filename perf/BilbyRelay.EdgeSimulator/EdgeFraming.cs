using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text.Json;
using BilbyRelay.Quic;

namespace BilbyRelay.EdgeSimulator;

/// <summary>
/// The relay's stream framing as an edge speaks it: <c>u32 big-endian length | UTF-8 JSON</c>.
/// </summary>
public static class EdgeFraming
{
    public static async ValueTask WriteFrameAsync(PipeWriter output, ReadOnlyMemory<byte> json, CancellationToken ct = default)
    {
        var prefix = output.GetSpan(4);
        BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)json.Length);
        output.Advance(4);
        await output.WriteAsync(json, ct).ConfigureAwait(false);
    }

    /// <summary>Writes a frame whose length prefix claims <paramref name="declaredLength"/> bytes but sends only the prefix.</summary>
    public static async ValueTask WriteLengthOnlyAsync(PipeWriter output, uint declaredLength, CancellationToken ct = default)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, declaredLength);
        await output.WriteAsync(prefix, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one frame; null at a clean end of stream. A frame longer than the stream's receive window makes the
    /// reader ask <paramref name="stream"/> for a window that holds it.
    /// </summary>
    public static async ValueTask<byte[]?> ReadFrameAsync(PipeReader input, QuicStream? stream = null, CancellationToken ct = default)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryTakeFrame(ref buffer, out var frame))
            {
                input.AdvanceTo(buffer.Start);
                return frame;
            }

            if (stream is not null && buffer.Length >= 4)
            {
                stream.EnsureReceiveWindow(4 + (long)DeclaredLength(buffer));
            }

            if (result.IsCompleted)
            {
                input.AdvanceTo(buffer.End);
                if (buffer.Length == 0)
                {
                    return null;
                }

                throw new InvalidDataException($"stream ended inside a frame ({buffer.Length} bytes pending)");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public static byte[] Json(Action<Utf8JsonWriter> writeProperties)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out byte[]? frame)
    {
        frame = null;
        if (buffer.Length < 4)
        {
            return false;
        }

        var length = DeclaredLength(buffer);
        if (buffer.Length < 4 + length)
        {
            return false;
        }

        frame = buffer.Slice(4, length).ToArray();
        buffer = buffer.Slice(4 + length);
        return true;
    }

    private static uint DeclaredLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt32BigEndian(prefix);
    }
}
