using System.Collections.Concurrent;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Tests.Stats;

/// <summary>Keeps every entry so tests can assert on event ids; thread-safe.</summary>
internal sealed class RecordingLogSink : LogSink
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public override void Write(in LogEntry entry) => Entries.Enqueue(entry);
}
