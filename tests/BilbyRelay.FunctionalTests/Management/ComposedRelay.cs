using System.Net;
using BilbyRelay.Composition;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Relay;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Edges;
using BilbyRelay.Hosting;
using BilbyRelay.Management;
using BilbyRelay.NativeUdp;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>
/// The whole relay as the executable composes it (<see cref="RelayComposition"/>): QUIC listener,
/// relay core, stats endpoint and manager link, on ephemeral loopback ports, linked to a
/// <see cref="FakeManager"/>. Components start in build order and stop in reverse, as the host does.
/// </summary>
internal sealed class ComposedRelay : IAsyncDisposable
{
    private readonly IReadOnlyList<IRelayComponent> _components;
    private readonly RelayLifetime _lifetime;
    private int _started;

    private ComposedRelay(RelayServer relay, IReadOnlyList<IRelayComponent> components, RelayLifetime lifetime, RecordingLogSink log)
    {
        Relay = relay;
        _components = components;
        _lifetime = lifetime;
        Log = log;
    }

    public RelayServer Relay { get; }

    /// <summary>Everything the relay logged (the manager link's event ids 5000–5099 included).</summary>
    public RecordingLogSink Log { get; }

    public IPEndPoint EdgeEndpoint => _components.OfType<EdgeListenerComponent>().Single().LocalEndPoints[0];

    public IPEndPoint StatsEndpoint => _components.OfType<StatsComponent>().Single().Server.LocalEndPoints[0];

    public ManagerClient Manager => _components.OfType<ManagerComponent>().Single().Client;

    /// <summary>The native UDP plane (its bound sockets; empty when none could be bound).</summary>
    public NativeUdpComponent NativeUdp => _components.OfType<NativeUdpComponent>().Single();

    /// <param name="logLevel">
    /// Least severe level recorded. Information by default (the QUIC engine's per-packet debug lines
    /// would only slow the data plane down); Warning for tests that flood the event queue, since
    /// every event is also logged.
    /// </param>
    /// <param name="nativeUdpTime">The native UDP plane's clock (hold-down, liveness, reaper); the system's when null.</param>
    public static async Task<ComposedRelay> StartAsync(FakeManager manager, Action<RelayConfig>? configure = null, LogLevel logLevel = LogLevel.Information, TimeProvider? nativeUdpTime = null)
    {
        var config = new RelayConfig
        {
            QuicAddrs = [new IPEndPoint(IPAddress.Loopback, 0)],
            ApiAddrs = [new IPEndPoint(IPAddress.Loopback, 0)],
            UdpRelayAddrs = [new IPEndPoint(IPAddress.Loopback, 0)],
            Manager = new ManagerConfig
            {
                Enabled = true,
                Urls = [manager.Url],
                NodeId = "node-1",
                NodeSecret = "secret-1",
                CertFingerprint = manager.Fingerprint,
            },
        };
        configure?.Invoke(config);
        var sink = new RecordingLogSink { MinimumLevel = logLevel };
        var log = new Logger(sink, "relay");
        var lifetime = new RelayLifetime(log);
        var (relay, components) = RelayComposition.Compose(config, log, lifetime, nativeUdpTime: nativeUdpTime);
        var composed = new ComposedRelay(relay, components, lifetime, sink);
        try
        {
            foreach (var component in components)
            {
                await component.StartAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
                composed._started++;
            }
        }
        catch
        {
            await composed.DisposeAsync();
            throw;
        }

        return composed;
    }

    public Task<SimulatedEdge> ConnectEdgeAsync() =>
        SimulatedEdge.ConnectAsync(EdgeEndpoint, null, new CancellationTokenSource(TestTimeouts.Default).Token);

    /// <summary>An HTTP client for the stats endpoint; the timeout only ends a request that would hang.</summary>
    public HttpClient CreateStatsClient() => new()
    {
        BaseAddress = new Uri($"http://{StatsEndpoint}"),
        Timeout = TestTimeouts.Default,
    };

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        for (var i = _started - 1; i >= 0; i--)
        {
            await _components[i].StopAsync(timeout.Token);
        }

        _started = 0;
        _lifetime.Dispose();
    }
}
