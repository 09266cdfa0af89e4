using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Relay;
using BilbyRelay.Edges;
using BilbyRelay.Hosting;
using BilbyRelay.Quic;
using BilbyRelay.Stats;

namespace BilbyRelay.Composition;

/// <summary>
/// Builds the relay's components from the validated configuration, in start order: the relay
/// core's QUIC listeners first (the data plane), then the readers of relay state.
/// </summary>
internal static class RelayComposition
{
    /// <summary>The ALPN every bilbycast edge offers; anything else fails the handshake.</summary>
    public const string Alpn = "bilbycast-relay";

    public static IReadOnlyList<IRelayComponent> Build(RelayConfig config, Logger log, RelayLifetime lifetime)
    {
        var relay = new RelayServer(new RelayOptions
        {
            MaxConnectionsPerIp = config.MaxConnectionsPerIp,
            MaxTunnelsPerConnection = config.MaxTunnelsPerConnection,
            RequireBindAuth = config.RequireBindAuth,
            SoftwareVersion = VersionInfo.Current,
            EventQueueCapacity = config.EventQueueCapacity,
            LogSink = log.Sink,
        });

        var stats = new StatsServer(StatsOptions(config), new RelayStatsSource(relay, static () => null), log.ForCategory("BilbyRelay.Stats"));
        return
        [
            new EdgeListenerComponent(relay, QuicOptions(config, log), log.ForCategory("BilbyRelay.Edges")),
            new BandwidthSamplerComponent(relay, TimeProvider.System),
            new StatsComponent(stats),
        ];
    }

    public static QuicServerOptions QuicOptions(RelayConfig config, Logger log)
    {
        var quicLog = log.ForCategory("BilbyRelay.Quic");
        return new QuicServerOptions
        {
            ListenEndPoints = config.QuicAddrs,
            Alpn = Alpn,
            CertificatePem = ReadPem(config.TlsCertPath, "tls_cert_path"),
            PrivateKeyPem = ReadPem(config.TlsKeyPath, "tls_key_path"),
            Transport = new QuicTransportSettings
            {
                IdleTimeout = TimeSpan.FromSeconds(config.IdleTimeoutSecs),
                KeepAliveInterval = TimeSpan.FromSeconds(config.KeepAliveIntervalSecs),
                StreamReceiveWindow = config.StreamReceiveWindow,
                ConnectionReceiveWindow = config.ConnectionReceiveWindow,
            },
            Log = e => EdgesLog.QuicEngine(quicLog, ToLogLevel(e.Level), e.ConnectionId == 0 ? e.Message : $"connection {e.ConnectionId}: {e.Message}"),
        };
    }

    public static StatsServerOptions StatsOptions(RelayConfig config) => new()
    {
        EndPoints = config.ApiAddrs,
        ApiToken = config.ApiToken,
        Version = VersionInfo.Current,
    };

    private static string? ReadPem(string? path, string key)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read {key} '{path}': {e.Message}", e);
        }
    }

    private static LogLevel ToLogLevel(QuicLogLevel level) => level switch
    {
        QuicLogLevel.Debug => LogLevel.Debug,
        QuicLogLevel.Information => LogLevel.Information,
        QuicLogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Error,
    };
}
