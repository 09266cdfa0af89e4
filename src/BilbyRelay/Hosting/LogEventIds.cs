namespace BilbyRelay.Hosting;

/// <summary>
/// Event id ranges, one per component, so an id identifies its message for alerting across
/// releases. Each component declares its messages in its own *Log.cs file within its range;
/// an id, once shipped, never changes meaning.
/// <list type="table">
/// <item><term>1000-1099</term><description>Hosting: start-up, readiness, signals, shutdown (HostingLog).</description></item>
/// <item><term>1100-1199</term><description>Configuration (ConfigLog).</description></item>
/// <item><term>2000-2999</term><description>QUIC engine.</description></item>
/// <item><term>3000-3999</term><description>Relay core: edges, tunnels, splicing.</description></item>
/// <item><term>4000-4999</term><description>Stats / REST endpoint.</description></item>
/// <item><term>5000-5999</term><description>Manager link.</description></item>
/// <item><term>6000-6099</term><description>Structured event log (EventLogLog).</description></item>
/// </list>
/// </summary>
internal static class LogEventIds
{
    public const int HostingFirst = 1000;
    public const int ConfigFirst = 1100;
    public const int QuicFirst = 2000;
    public const int RelayFirst = 3000;
    public const int StatsFirst = 4000;
    public const int ManagementFirst = 5000;
    public const int EventLogFirst = 6000;
}
