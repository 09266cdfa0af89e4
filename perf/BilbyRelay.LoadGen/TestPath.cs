using System.Net;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen;

/// <summary>
/// What a scenario drives: the sending side (edge A) of either the direct path (a QUIC connection straight to the
/// direct-path server) or the relay path (a simulated edge whose tunnels the far edge B also bound). Both carry
/// byte-identical datagrams (<c>16-byte tunnel UUID | payload</c>) and the same stream payload.
/// </summary>
public abstract class TestPath : IAsyncDisposable
{
    private volatile Action<ReadOnlySpan<byte>>? _observer;

    /// <summary>"direct" or "relay".</summary>
    public abstract string Name { get; }

    /// <summary>Edge A's QUIC connection (to the server or to the relay).</summary>
    public abstract QuicConnection Connection { get; }

    /// <summary>The tunnel id that prefixes every datagram.</summary>
    public Guid DatagramTunnel { get; protected init; }

    /// <summary>Opens a data stream whose bytes reach the far side's sink.</summary>
    public abstract Task<QuicStream> OpenStreamAsync(CancellationToken ct);

    /// <summary>Sends one whole datagram (UUID prefix included). False when the engine refused it (queue full, too large).</summary>
    public bool SendDatagram(ReadOnlySpan<byte> datagram) => Connection.TrySendDatagram(datagram);

    /// <summary>Sets who sees echoed datagrams (on the QUIC loop thread).</summary>
    public void SetDatagramObserver(Action<ReadOnlySpan<byte>>? observer) => _observer = observer;

    protected void OnDatagram(ReadOnlySpan<byte> datagram) => _observer?.Invoke(datagram);

    public abstract ValueTask DisposeAsync();
}

public sealed class DirectPath : TestPath
{
    private QuicConnection _connection = null!;

    public override string Name => "direct";

    public override QuicConnection Connection => _connection;

    public static async Task<DirectPath> ConnectAsync(IPEndPoint server, Guid datagramTunnel)
    {
        var path = new DirectPath { DatagramTunnel = datagramTunnel };
        path._connection = await QuicConnection.ConnectAsync(new QuicClientOptions
        {
            RemoteEndPoint = server,
            Alpn = Scenarios.Alpn,
            ServerName = "bilbycast-relay",
            SkipCertificateValidation = true,
        }).ConfigureAwait(false);
        path._connection.SetDatagramHandler((_, datagram) => path.OnDatagram(datagram));
        return path;
    }

    public override async Task<QuicStream> OpenStreamAsync(CancellationToken ct) =>
        await _connection.OpenStreamAsync(bidirectional: true, ct).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _connection.DisposeAsync();
}

public sealed class RelayPath : TestPath
{
    private SimulatedEdge _edge = null!;
    private Guid _streamTunnel;

    public override string Name => "relay";

    public override QuicConnection Connection => _edge.Connection;

    /// <summary>Connects edge A, binds both tunnels as ingress and waits until the relay reports them ready.</summary>
    public static async Task<RelayPath> ConnectAsync(IPEndPoint relay, Guid streamTunnel, Guid datagramTunnel)
    {
        var path = new RelayPath { DatagramTunnel = datagramTunnel, _streamTunnel = streamTunnel };
        path._edge = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions { DatagramObserver = path.OnDatagram }).ConfigureAwait(false);
        await path._edge.BindAsync(streamTunnel, "ingress", "tcp").ConfigureAwait(false);
        await path._edge.BindAsync(datagramTunnel, "ingress", "udp").ConfigureAwait(false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var ready = 0; ready < 2;)
        {
            var reply = await path._edge.ReceiveControlAsync(cts.Token).ConfigureAwait(false);
            if (reply.Type == "tunnel_ready")
            {
                ready++;
            }
            else if (reply.Type is "tunnel_waiting" or "tunnel_down")
            {
                throw new InvalidOperationException($"relay answered {reply} (is the far edge bound?)");
            }
        }

        return path;
    }

    public override async Task<QuicStream> OpenStreamAsync(CancellationToken ct) =>
        await _edge.OpenTunnelStreamAsync(_streamTunnel, ct).ConfigureAwait(false);

    public override ValueTask DisposeAsync() => _edge.DisposeAsync();
}
