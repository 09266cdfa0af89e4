using System.Collections.Concurrent;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>Collects log entries so tests can assert on them.</summary>
internal sealed class ListLogSink : LogSink
{
    public ListLogSink(LogLevel minimumLevel = LogLevel.Debug) => MinimumLevel = minimumLevel;

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public override void Write(in LogEntry entry) => Entries.Enqueue(entry);
}
