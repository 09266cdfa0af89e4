using BilbyRelay.Core.Events;

namespace BilbyRelay.EventLog;

/// <summary>Newline-delimited JSON on a stream (standard output), flushed per line so a collector sees each event at once.</summary>
internal sealed class StreamEventLogOutput(Stream stream) : IEventLogOutput
{
    /// <summary>Buffered so each line and its line feed leave in one write.</summary>
    public static StreamEventLogOutput StandardOutput() => new(new BufferedStream(Console.OpenStandardOutput(), 64 * 1024));

    public void Write(RelayEvent relayEvent, ReadOnlySpan<byte> json)
    {
        stream.Write(json);
        stream.WriteByte((byte)'\n');
        stream.Flush();
    }

    public void Dispose() => stream.Dispose();
}
