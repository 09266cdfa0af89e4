using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using BilbyRelay.Core.Events;
using BilbyRelay.Core.Relay;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>A relay with an in-memory transport, a manual clock and a captured log.</summary>
internal sealed class RelayHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentQueue<EdgeClient> _edges = new();
    private int _nextPort = 40000;

    public RelayHarness(
        int maxConnectionsPerIp = 64,
        int maxTunnelsPerConnection = 100,
        bool requireBindAuth = false,
        int eventQueueCapacity = 4096,
        int notificationQueueCapacity = 4096)
    {
        Relay = new RelayServer(new RelayOptions
        {
            MaxConnectionsPerIp = maxConnectionsPerIp,
            MaxTunnelsPerConnection = maxTunnelsPerConnection,
            RequireBindAuth = requireBindAuth,
            Sha256 = TestSha256.Function,
            EventQueueCapacity = eventQueueCapacity,
            NotificationQueueCapacity = notificationQueueCapacity,
            SoftwareVersion = "9.8.7",
            Time = Time,
            LogSink = Log,
        });
    }

    public ManualTimeProvider Time { get; } = new();

    public ListLogSink Log { get; } = new();

    public RelayServer Relay { get; }

    /// <summary>Connects an edge (no streams yet) from <paramref name="ip"/>.</summary>
    public EdgeClient Connect(string ip = "192.0.2.10", PipeOptions? pipeOptions = null)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(ip), Interlocked.Increment(ref _nextPort));
        var connection = new FakeConnection(endPoint, pipeOptions);
        var run = Relay.RunConnectionAsync(connection, _shutdown.Token);
        var client = new EdgeClient(connection, run);
        _edges.Enqueue(client);
        return client;
    }

    /// <summary>Connects an edge and opens its control stream.</summary>
    public EdgeClient ConnectWithControl(string ip = "192.0.2.10", PipeOptions? pipeOptions = null) =>
        Connect(ip, pipeOptions).OpenControl();

    /// <summary>Takes every queued event.</summary>
    public List<RelayEvent> DrainEvents()
    {
        var events = new List<RelayEvent>();
        while (Relay.Events.TryDequeue(out var relayEvent))
        {
            events.Add(relayEvent);
        }

        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync();
        await Task.WhenAll(_edges.Select(e => e.RunTask)).WaitAsync(TestTimeouts.Operation);
        _shutdown.Dispose();
    }
}
