using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace BilbyRelay.Core.Protocol;

/// <summary>
/// Writes <c>u32 BE length | JSON</c> frames into a pipe. The JSON is serialized into a per-thread
/// reusable buffer (so the length is known before anything is written) and then copied once into
/// the pipe; steady state allocates nothing. The caller flushes.
/// </summary>
public static class FrameWriter
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    public static void Write(PipeWriter output, RelayMessage message) =>
        Write(output, message, RelayJsonContext.Default.RelayMessage);

    public static void Write<T>(PipeWriter output, T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var json = t_json;
        if (json is null)
        {
            json = t_json = new Utf8JsonWriter(buffer);
        }
        else
        {
            json.Reset(buffer);
        }

        JsonSerializer.Serialize(json, value, typeInfo);
        json.Flush();
        WriteFrame(output, buffer.WrittenSpan);
    }

    /// <summary>Writes an already serialized body with its length prefix.</summary>
    public static void WriteFrame(PipeWriter output, ReadOnlySpan<byte> body)
    {
        int total = RelayProtocol.LengthPrefixSize + body.Length;
        var span = output.GetSpan(total);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)body.Length);
        body.CopyTo(span[RelayProtocol.LengthPrefixSize..]);
        output.Advance(total);
    }
}
