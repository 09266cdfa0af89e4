using System.Globalization;
using System.Text;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Hosting;

/// <summary>
/// Human-readable log lines: <c>2026-01-31T12:00:00.000Z info  hosting[1002] Relay ready</c>.
/// Exactly one line per entry (line breaks inside messages are escaped), so journald and grep
/// never split an entry. Thread-safe: a lock serialises whole lines.
/// </summary>
public sealed class TextLogSink : LogSink
{
    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    public TextLogSink(TextWriter writer)
    {
        _writer = writer;
    }

    public override void Write(in LogEntry entry)
    {
        var line = new StringBuilder(128);
        line.Append(entry.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        line.Append(' ').Append(LogLevelNames.Of(entry.Level).PadRight(5));
        line.Append(' ').Append(entry.Category).Append('[').Append(entry.EventId.ToString(CultureInfo.InvariantCulture)).Append("] ");
        AppendSingleLine(line, entry.Message);
        if (entry.Exception is { } exception)
        {
            line.Append(" exception=");
            AppendSingleLine(line, exception.ToString());
        }

        line.Append('\n');
        lock (_lock)
        {
            _writer.Write(line.ToString());
            _writer.Flush();
        }
    }

    private static void AppendSingleLine(StringBuilder line, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n':
                    line.Append("\\n");
                    break;
                case '\r':
                    break;
                default:
                    line.Append(c);
                    break;
            }
        }
    }
}
