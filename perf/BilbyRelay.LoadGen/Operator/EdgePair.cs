using System.Net;
using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// Two simulated edges on one relay, each on a UDP socket of its own as real edges are: B binds every tunnel as
/// egress (and sinks the streams the relay opens towards it, answering each with its byte count), then A binds
/// them as ingress. Streams and datagrams go from A through the relay to B.
/// </summary>
public sealed class EdgePair : IAsyncDisposable
{
    private static readonly TimeSpan s_bindTimeout = TimeSpan.FromSeconds(20);

    private readonly CancellationTokenSource _stop = new();
    private Task _sink = Task.CompletedTask;
    private volatile DatagramProbe? _probe;

    private EdgePair(SimulatedEdge a, SimulatedEdge b, IReadOnlyList<Guid> tcpTunnels, IReadOnlyList<Guid> udpTunnels)
    {
        A = a;
        B = b;
        TcpTunnels = tcpTunnels;
        UdpTunnels = udpTunnels;
    }

    public SimulatedEdge A { get; }

    public SimulatedEdge B { get; }

    public IReadOnlyList<Guid> TcpTunnels { get; }

    public IReadOnlyList<Guid> UdpTunnels { get; }

    /// <summary>The probe that sees every datagram B receives (on B's QUIC loop thread); none between runs.</summary>
    public DatagramProbe? Probe
    {
        get => _probe;
        set => _probe = value;
    }

    public static async Task<EdgePair> ConnectAsync(IPEndPoint relay, int tcpTunnels, int udpTunnels, CancellationToken ct)
    {
        EdgePair? self = null;
        var tcp = Enumerable.Range(0, tcpTunnels).Select(_ => Guid.NewGuid()).ToArray();
        var udp = Enumerable.Range(0, udpTunnels).Select(_ => Guid.NewGuid()).ToArray();
        var b = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions { OwnSocket = true, DatagramObserver = datagram => self?._probe?.OnReceived(datagram) }, ct).ConfigureAwait(false);
        SimulatedEdge? a = null;
        try
        {
            await TunnelBinding.BindAllAsync(b, tcp, "egress", peerBound: false, s_bindTimeout).ConfigureAwait(false);
            await TunnelBinding.BindAllAsync(b, udp, "egress", peerBound: false, s_bindTimeout, "udp").ConfigureAwait(false);
            a = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions { OwnSocket = true, DatagramObserver = _ => { } }, ct).ConfigureAwait(false);
            await TunnelBinding.BindAllAsync(a, tcp, "ingress", peerBound: true, s_bindTimeout).ConfigureAwait(false);
            await TunnelBinding.BindAllAsync(a, udp, "ingress", peerBound: true, s_bindTimeout, "udp").ConfigureAwait(false);
        }
        catch
        {
            if (a is not null)
            {
                await a.DisposeAsync().ConfigureAwait(false);
            }

            await b.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var pair = self = new EdgePair(a, b, tcp, udp);
        pair._sink = Task.Run(() => Sinks.SinkTunnelStreamsAsync(b, "edge B", pair._stop.Token));
        return pair;
    }

    /// <summary>The largest datagram payload (after the 16-byte tunnel id) A's connection takes now.</summary>
    public int MaxDatagramPayload => A.Connection.MaxDatagramSize - 16;

    /// <summary>
    /// Waits (bounded) until A's connection takes datagrams of <paramref name="payload"/> bytes: path MTU discovery
    /// raises the limit shortly after the handshake. Returns the payload size that fits.
    /// </summary>
    public async Task<int> WaitForDatagramPayloadAsync(int payload, CancellationToken ct)
    {
        for (var wait = 0; wait < 30 && MaxDatagramPayload < payload && !ct.IsCancellationRequested; wait++)
        {
            await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
        }

        return Math.Min(payload, MaxDatagramPayload);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await A.DisposeAsync().ConfigureAwait(false);
        await B.DisposeAsync().ConfigureAwait(false);
        await _sink.ConfigureAwait(false);
        _stop.Dispose();
    }
}
