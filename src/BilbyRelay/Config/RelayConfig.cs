using System.Net;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Config;

/// <summary>
/// The effective relay configuration after defaults, file, environment and command line were
/// merged and validated. Every property has its documented default, so <c>new RelayConfig()</c>
/// is a runnable configuration. Keys and defaults are documented in docs/configuration.md.
/// </summary>
public sealed class RelayConfig
{
    public const int DefaultQuicPort = 4433;
    public const int DefaultApiPort = 4480;
    public const int DefaultUdpRelayPort = 4434;

    /// <summary>Where the native UDP plane listens unless configured: both families on port 4434.</summary>
    public static IReadOnlyList<IPEndPoint> DefaultUdpRelayAddrs { get; } =
        [new IPEndPoint(IPAddress.Any, DefaultUdpRelayPort), new IPEndPoint(IPAddress.IPv6Any, DefaultUdpRelayPort)];

    /// <summary>UDP addresses the QUIC listeners bind (<c>quic_addr</c> or <c>quic_addrs</c>).</summary>
    public IReadOnlyList<IPEndPoint> QuicAddrs { get; set; } = [new IPEndPoint(IPAddress.Any, DefaultQuicPort)];

    /// <summary>
    /// QUIC event loops per listen address. Environment.ProcessorCount already honours the CPU affinity mask and a
    /// cgroup CPU quota, so a container limited to 2 CPUs gets 2 loops on a 64-core host.
    /// </summary>
    public int QuicThreads { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 256);

    /// <summary>TCP addresses the REST/stats endpoint binds (<c>api_addr</c> or <c>api_addrs</c>).</summary>
    public IReadOnlyList<IPEndPoint> ApiAddrs { get; set; } = [new IPEndPoint(IPAddress.Any, DefaultApiPort)];

    /// <summary>The "host:port" edges should dial, reported to the manager; a host name is allowed. Null when unset.</summary>
    public string? PublicQuicAddr { get; set; }

    public string? TlsCertPath { get; set; }

    public string? TlsKeyPath { get; set; }

    /// <summary>Bearer token for the REST API; null leaves the API open (except DELETE, which needs a token).</summary>
    public string? ApiToken { get; set; }

    public bool RequireBindAuth { get; set; }

    public int MaxConnectionsPerIp { get; set; } = 64;

    public int MaxTunnelsPerConnection { get; set; } = 100;

    /// <summary>Connection attempts per second on one QUIC address above which new clients must pass a Retry; 0: always.</summary>
    public int RetryAboveHandshakesPerSec { get; set; } = 500;

    /// <summary>False: never send Retry, whatever the handshake rate.</summary>
    public bool QuicRetryEnabled { get; set; } = true;

    /// <summary>QUIC connections per listen address whose handshake has not completed; attempts beyond are dropped.</summary>
    public int MaxHalfOpenConnections { get; set; } = 1000;

    /// <summary>Run the native UDP relay plane (PROTOCOL.md §5).</summary>
    public bool UdpRelayEnabled { get; set; } = true;

    /// <summary>UDP addresses of the native relay plane, one socket each.</summary>
    public IReadOnlyList<IPEndPoint> UdpRelayAddrs { get; set; } = DefaultUdpRelayAddrs;

    /// <summary>The "host:port" edges send native UDP to, reported to the manager; null when unset.</summary>
    public string? PublicUdpAddr { get; set; }

    /// <summary>Native sessions one source IP may create; null means <see cref="MaxConnectionsPerIp"/>.</summary>
    public int? MaxUdpSessionsPerIp { get; set; }

    /// <summary>Native sessions the whole relay may hold.</summary>
    public int MaxUdpSessions { get; set; } = 100_000;

    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    public LogFormat LogFormat { get; set; } = LogFormat.Text;

    public int KeepAliveIntervalSecs { get; set; } = 5;

    public int IdleTimeoutSecs { get; set; } = 25;

    /// <summary>Bytes a peer may send on one stream before the relay consumes them (QUIC flow control).</summary>
    public long StreamReceiveWindow { get; set; } = 16L * 1024 * 1024;

    /// <summary>Bytes a peer may send across all streams of one connection before the relay consumes them.</summary>
    public long ConnectionReceiveWindow { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bytes the relay may hold for all edges together: stream bytes received and not yet forwarded, forwarded and not
    /// yet acknowledged, and queued datagrams. Near it, flow-control windows shrink and datagrams are dropped.
    /// </summary>
    public long MaxBufferedBytes { get; set; } = MemoryBudgetDefault.Compute();

    /// <summary>Events held for the manager while it is unreachable; the oldest are dropped beyond this.</summary>
    public int EventQueueCapacity { get; set; } = 4096;

    public ManagerConfig Manager { get; set; } = new();

    /// <summary>The structured event log (<c>[logging.json_target]</c>); off unless its kind is set.</summary>
    public EventLogConfig EventLog { get; set; } = new();

    /// <summary>The file this configuration was loaded from, or null when the relay runs without one.</summary>
    public ConfigFile? File { get; set; }
}
