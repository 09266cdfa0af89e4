using BilbyRelay.Core.Events;

namespace BilbyRelay.EventLog;

/// <summary>Where formatted event lines go. Called from one writer task only; may throw IOException or SocketException.</summary>
internal interface IEventLogOutput : IDisposable
{
    /// <param name="relayEvent">The event the line was made from (syslog takes its severity and time).</param>
    /// <param name="json">One JSON object without a line break.</param>
    void Write(RelayEvent relayEvent, ReadOnlySpan<byte> json);
}
