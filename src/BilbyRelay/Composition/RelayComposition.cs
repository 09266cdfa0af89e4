using BilbyRelay.Cli;
using BilbyRelay.Config;
using System.Net;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Relay;
using BilbyRelay.Edges;
using BilbyRelay.EventLog;
using BilbyRelay.Hosting;
using BilbyRelay.Management;
using BilbyRelay.Management.Credentials;
using BilbyRelay.NativeUdp;
using BilbyRelay.Quic;
using BilbyRelay.Stats;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Composition;

/// <summary>
/// Builds the relay's components from the validated configuration, in start order: the relay
/// core's QUIC listeners and the native UDP plane first (the data planes; only the event log writer, which must outlive them, comes before), then the readers of relay state.
/// </summary>
internal static class RelayComposition
{
    /// <summary>The ALPN every bilbycast edge offers; anything else fails the handshake.</summary>
    public const string Alpn = "bilbycast-relay";

    private const long RelayStreamSendBuffer = 1024 * 1024;

    private const long RelayInitialStreamWindow = 128 * 1024;

    /// <param name="loopFaultOnSignal">Adds the <see cref="LoopFaultInjectionComponent"/> test hook.</param>
    /// <param name="inheritedSockets">Sockets passed by systemd socket activation, served instead of binding their addresses.</param>
    public static IReadOnlyList<IRelayComponent> Build(RelayConfig config, Logger log, RelayLifetime lifetime, bool loopFaultOnSignal = false, InheritedListenSockets? inheritedSockets = null) =>
        Compose(config, log, lifetime, loopFaultOnSignal, inheritedSockets: inheritedSockets).Components;

    /// <summary>As <see cref="Build"/>, and also the relay core the components share (for in-process hosts and tests).</summary>
    /// <param name="nativeUdpTime">The native UDP plane's clock (liveness, hold-down, reaper); tests pass a manual one.</param>
    public static (RelayServer Relay, IReadOnlyList<IRelayComponent> Components) Compose(RelayConfig config, Logger log, RelayLifetime lifetime, bool loopFaultOnSignal = false, TimeProvider? nativeUdpTime = null, InheritedListenSockets? inheritedSockets = null)
    {
        inheritedSockets ??= InheritedListenSockets.None;
        var relay = new RelayServer(new RelayOptions
        {
            MaxConnectionsPerIp = config.MaxConnectionsPerIp,
            MaxTunnelsPerConnection = config.MaxTunnelsPerConnection,
            RequireBindAuth = config.RequireBindAuth,
            Sha256 = Digest.Sha256,
            SoftwareVersion = VersionInfo.Current,
            EventQueueCapacity = config.EventQueueCapacity,
            LogSink = log.Sink,
        });

        var components = new List<IRelayComponent>();

        // Subscribed before any listener runs, so the event log sees every event the manager link would.
        var eventLog = EventLogTargetFactory.Create(config, VersionInfo.Current, log.ForCategory("event-log"));
        if (eventLog is not null)
        {
            relay.Events.Subscribe(eventLog);
            components.Add(new EventLogComponent(eventLog));
        }

        var budget = new QuicMemoryBudget(config.MaxBufferedBytes);
        var quicOptions = QuicOptions(config, log, budget);
        quicOptions.InheritedSockets = inheritedSockets.Quic;
        var edges = new EdgeListenerComponent(relay, quicOptions, log.ForCategory("edges"), lifetime);
        nativeUdpTime ??= TimeProvider.System;
        var nativeUdpLog = log.ForCategory("udp-relay");
        var nativeRelay = new NativeUdpRelay(NativeUdpOptions(config, nativeUdpTime), relay.BindTokens, relay.Events, nativeUdpLog);
        var nativeUdp = new NativeUdpComponent(nativeRelay, config, nativeUdpLog, lifetime, nativeUdpTime, inheritedSockets.NativeUdp);
        components.Add(edges);
        components.Add(nativeUdp);

        // The stats endpoint shows the manager link and the link reports the endpoint's bound address,
        // so the endpoint reads the link through this variable, which is set just below.
        ManagerClient? manager = null;
        var statsSource = new RelayStatsSource(relay, budget, edges, nativeUdp, nativeRelay, lifetime, () => manager is null ? null : ManagerLink(manager.Status, relay.Events.DroppedCount), eventLog);
        var statsServer = new StatsServer(StatsOptions(config) with { InheritedSockets = inheritedSockets.Api }, statsSource, log.ForCategory("stats"));
        components.Add(new StatsComponent(statsServer));
        if (config.Manager.Enabled)
        {
            var events = new RelayEventQueueAdapter(relay.Events);
            var managerLog = log.ForCategory("manager");
            manager = new ManagerClient(
                ManagerOptions(config),
                new ManagedRelay(relay, config, edges, statsServer, nativeUdp, nativeRelay),
                events,
                events,
                CredentialStores.For(config.Manager, config.File, managerLog),
                managerLog);
        }

        // After both listeners: its timer thread is not needed to serve, and starting a thread waits until the
        // new thread runs, which on a busy machine delays whatever is started next.
        components.Add(new BandwidthSamplerComponent(relay, TimeProvider.System));
        components.Add(new MemoryReleaseComponent(TimeProvider.System, log));
        if (manager is not null)
        {
            components.Add(new ManagerComponent(manager));
        }

        if (loopFaultOnSignal)
        {
            components.Add(new LoopFaultInjectionComponent(edges, log.ForCategory("edges")));
        }

        return (relay, components);
    }

    /// <param name="budget">Shared by every listener: <c>max_buffered_bytes</c> bounds the relay, not each socket.</param>
    public static QuicServerOptions QuicOptions(RelayConfig config, Logger log, QuicMemoryBudget budget)
    {
        var quicLog = log.ForCategory("quic");
        return new QuicServerOptions
        {
            ListenEndPoints = config.QuicAddrs,
            LoopsPerAddress = config.QuicThreads,
            RetryAboveHandshakesPerSecond = config.QuicRetryEnabled ? config.RetryAboveHandshakesPerSec : null,
            MaxHalfOpenConnections = config.MaxHalfOpenConnections,
            Alpn = Alpn,
            CertificatePem = ReadPem(config.TlsCertPath, "tls_cert_path"),
            PrivateKeyPem = ReadPem(config.TlsKeyPath, "tls_key_path"),
            Transport = new QuicTransportSettings
            {
                IdleTimeout = TimeSpan.FromSeconds(config.IdleTimeoutSecs),
                KeepAliveInterval = TimeSpan.FromSeconds(config.KeepAliveIntervalSecs),
                StreamReceiveWindow = config.StreamReceiveWindow,
                // Small, so an idle or stalled stream pins little; it grows while the stream's reader keeps up, and
                // the frame reader widens it for the rare frame longer than this (up to the 1 MiB frame cap).
                InitialStreamReceiveWindow = RelayInitialStreamWindow,
                // What a spliced stream may hold towards a receiver beyond what that receiver's window lets out: enough
                // for unacknowledged data in flight at full speed, small enough that a stalled receiver pins little.
                StreamSendBufferLimit = RelayStreamSendBuffer,
                ConnectionReceiveWindow = config.ConnectionReceiveWindow,
                MemoryBudget = budget,
            },
            Log = e => EdgesLog.QuicEngine(quicLog, ToLogLevel(e.Level), e.ConnectionId == 0 ? e.Message : $"connection {e.ConnectionId}: {e.Message}"),
        };
    }

    public static NativeUdpOptions NativeUdpOptions(RelayConfig config, TimeProvider time) => new()
    {
        MaxSessionsPerIp = config.MaxUdpSessionsPerIp ?? config.MaxConnectionsPerIp,
        MaxSessions = config.MaxUdpSessions,
        // Only an IP literal names an address of this relay; a DNS name is resolved by edges, not here.
        PublicAddress = config.PublicUdpAddr is { } text && IPEndPoint.TryParse(text, out var endPoint) ? endPoint : null,
        Time = time,
    };

    public static ManagerOptions ManagerOptions(RelayConfig config) => new()
    {
        Urls = config.Manager.Urls,
        RegistrationToken = config.Manager.RegistrationToken,
        NodeId = config.Manager.NodeId,
        NodeSecret = config.Manager.NodeSecret,
        AcceptSelfSignedCert = config.Manager.AcceptSelfSignedCert,
        CertFingerprint = config.Manager.CertFingerprint,
        SoftwareVersion = VersionInfo.Current,
    };

    private static ManagerLinkSnapshot ManagerLink(ManagerStatus status, long eventsDropped) => new()
    {
        EventsDropped = eventsDropped,
        Connected = status.Connected,
        DisconnectedSecs = status.DisconnectedSecs ?? 0,
        Reconnecting = status.Reconnecting,
        LastError = status.LastError,
    };

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
