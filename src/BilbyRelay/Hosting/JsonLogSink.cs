using System.Buffers;
using System.Text;
using System.Text.Json;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>
/// JSON lines for log shippers, one object per line:
/// <c>{"timestamp":"...","level":"info","category":"hosting","event_id":1002,"event":"Ready","message":"...","exception":"..."}</c>
/// (<c>exception</c> only when present). Written with <see cref="Utf8JsonWriter"/>; thread-safe.
/// </summary>
public sealed class JsonLogSink : LogSink
{
    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    // Guarded by _lock: reused for every entry so logging does not allocate a buffer per line.
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _json;

    public JsonLogSink(TextWriter writer)
    {
        _writer = writer;
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = false, SkipValidation = true });
    }

    public override void Write(in LogEntry entry)
    {
        lock (_lock)
        {
            _buffer.ResetWrittenCount();
            _json.Reset(_buffer);
            _json.WriteStartObject();
            _json.WriteString("timestamp", entry.Timestamp.UtcDateTime);
            _json.WriteString("level", LogLevelNames.Of(entry.Level));
            _json.WriteString("category", entry.Category);
            _json.WriteNumber("event_id", entry.EventId);
            _json.WriteString("event", entry.EventName);
            _json.WriteString("message", entry.Message);
            if (entry.Exception is { } exception)
            {
                _json.WriteString("exception", exception.ToString());
            }

            _json.WriteEndObject();
            _json.Flush();
            _writer.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
            _writer.Write('\n');
            _writer.Flush();
        }
    }
}
