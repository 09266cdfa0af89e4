using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.LoadGen;

/// <summary>
/// Starts a relay binary on free loopback ports with the limits a load test needs lifted (tunnels per connection,
/// connections per address, bind authorisation): every scenario that spawns a relay starts it the same way.
/// </summary>
internal static class RelayLaunch
{
    /// <summary>The binary from --relay-bin, else $BILBYRELAY_BIN, else out/bilbyrelay; an error if it is missing.</summary>
    public static string Binary(Options options)
    {
        var binary = options.Get("relay-bin") ?? Environment.GetEnvironmentVariable("BILBYRELAY_BIN") ?? "out/bilbyrelay";
        return File.Exists(binary) ? binary : throw new ArgumentException($"relay binary '{binary}' not found (--relay-bin PATH or BILBYRELAY_BIN)");
    }

    /// <param name="settings">More relay settings as BILBYRELAY_* environment variables (they win over the lifted limits).</param>
    public static (ChildProcess Relay, IPEndPoint Quic, IPEndPoint Api) Start(
        string binary, string logLevel, long? maxBufferedBytes = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var quic = new IPEndPoint(IPAddress.Loopback, ChildProcess.FreePort(ProtocolType.Udp));
        var api = new IPEndPoint(IPAddress.Loopback, ChildProcess.FreePort(ProtocolType.Tcp));
        var environment = new Dictionary<string, string>
        {
            // Two edges of the bind test hold every tunnel; handshake bursts come from one address.
            ["BILBYRELAY_MAX_TUNNELS_PER_CONNECTION"] = "1000000",
            ["BILBYRELAY_MAX_CONNECTIONS_PER_IP"] = "1000000",
            ["BILBYRELAY_REQUIRE_BIND_AUTH"] = "false",
        };
        if (maxBufferedBytes is { } budget)
        {
            environment["BILBYRELAY_MAX_BUFFERED_BYTES"] = budget.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var relay = ChildProcess.Start(binary, ["--quic-addr", quic.ToString(), "--api-addr", api.ToString(), "--udp-relay-addrs", "127.0.0.1:0", "--log-level", logLevel], environment);
        return (relay, quic, api);
    }
}
