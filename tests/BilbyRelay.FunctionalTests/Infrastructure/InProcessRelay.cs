using System.Net;
using BilbyRelay.Composition;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.Relay;
using BilbyRelay.Edges;
using BilbyRelay.Hosting;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// The relay's data plane running in the test process on an ephemeral loopback port: the same
/// configuration mapping and components the executable composes, minus the process around them.
/// </summary>
internal sealed class InProcessRelay : IAsyncDisposable
{
    private readonly EdgeListenerComponent _listener;
    private readonly RelayLifetime _lifetime;
    private readonly EventRecorder _events;

    private InProcessRelay(RelayServer relay, EdgeListenerComponent listener, RelayLifetime lifetime, QuicMemoryBudget budget, int loops)
    {
        Relay = relay;
        Budget = budget;
        Loops = loops;
        _listener = listener;
        _lifetime = lifetime;
        _events = new EventRecorder(relay.Events);
    }

    public RelayServer Relay { get; }

    /// <summary>QUIC event loops serving the listen address.</summary>
    public int Loops { get; }

    /// <summary>Connections on each loop now, in loop order (which loop an edge landed on).</summary>
    public IReadOnlyList<int> ConnectionsPerLoop => _listener.Listener!.Endpoints.Select(e => e.ConnectionCount).ToArray();

    /// <summary>The relay-wide memory budget (<c>max_buffered_bytes</c>) its listener holds edges to.</summary>
    public QuicMemoryBudget Budget { get; }

    public IPEndPoint Endpoint => _listener.LocalEndPoints[0];

    /// <summary>Each QUIC loop's counters (handshakes, Retry, half-open connections).</summary>
    public IReadOnlyList<QuicLoopCounters> LoopCounters => _listener.LoopCounters;

    public EventRecorder Events => _events;

    public static async Task<InProcessRelay> StartAsync(Action<RelayConfig>? configure = null)
    {
        var config = new RelayConfig { QuicAddrs = [new IPEndPoint(IPAddress.Loopback, 0)] };
        if (SuiteLoops.Count is { } loops)
        {
            config.QuicThreads = loops;
        }

        configure?.Invoke(config);
        var log = new Logger(NullLogSink.Instance, "test");
        var relay = new RelayServer(new RelayOptions
        {
            MaxConnectionsPerIp = config.MaxConnectionsPerIp,
            MaxTunnelsPerConnection = config.MaxTunnelsPerConnection,
            RequireBindAuth = config.RequireBindAuth,
            Sha256 = BilbyRelay.Quic.Native.Digest.Sha256,
            SoftwareVersion = "test",
            EventQueueCapacity = config.EventQueueCapacity,
        });
        var budget = new QuicMemoryBudget(config.MaxBufferedBytes);
        var lifetime = new RelayLifetime(log);
        var listener = new EdgeListenerComponent(relay, RelayComposition.QuicOptions(config, log, budget), log, lifetime);
        await listener.StartAsync(CancellationToken.None);
        return new InProcessRelay(relay, listener, lifetime, budget, config.QuicThreads);
    }

    /// <summary>The relay's side of the connection of <paramref name="edge"/>, which must have its own socket (<see cref="SimulatedEdgeOptions.OwnSocket"/>).</summary>
    public QuicConnection ConnectionOf(SimulatedEdge edge) =>
        Relay.Sessions.Select(s => ((QuicEdgeConnection)s.Connection).Quic).Single(c => c.RemoteEndPoint.Port == edge.LocalEndPoint.Port);

    public Task<SimulatedEdge> ConnectEdgeAsync(SimulatedEdgeOptions? options = null) =>
        SimulatedEdge.ConnectAsync(Endpoint, options, TestTimeouts.Token());

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await _listener.StopAsync(timeout.Token);
        _events.Dispose();
        _lifetime.Dispose();
    }
}
