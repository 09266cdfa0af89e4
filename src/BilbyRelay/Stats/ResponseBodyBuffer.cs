using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace BilbyRelay.Stats;

/// <summary>
/// A connection's scratch space for one response body. Content-Length precedes the body, so the
/// body is rendered here first and then copied behind the head; the buffer and JSON writer are
/// reused for every request on the connection, so steady state allocates only the snapshots.
/// Owned by one connection's loop; not thread-safe.
/// </summary>
internal sealed class ResponseBodyBuffer
{
    // A response larger than this (a huge tunnel list) does not pin its buffer for the connection's lifetime.
    private const int RetainedCapacity = 256 * 1024;

    private static readonly JsonWriterOptions s_jsonOptions = new()
    {
        SkipValidation = true,
    };

    private ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter? _json;

    public IBufferWriter<byte> Writer => _buffer;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public int Length => _buffer.WrittenCount;

    /// <summary>Empties the buffer for the next response.</summary>
    public void Clear()
    {
        if (_buffer.Capacity > RetainedCapacity)
        {
            _buffer = new ArrayBufferWriter<byte>(4096);
            _json = null;
        }
        else
        {
            _buffer.ResetWrittenCount();
        }
    }

    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        if (_json is null)
        {
            _json = new Utf8JsonWriter(_buffer, s_jsonOptions);
        }
        else
        {
            _json.Reset(_buffer);
        }

        JsonSerializer.Serialize(_json, value, typeInfo);
        _json.Flush();
    }
}
