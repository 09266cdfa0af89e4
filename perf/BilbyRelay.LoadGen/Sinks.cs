using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen;

/// <summary>
/// The far side of both paths: the direct-path server (a QUIC listener) and edge B behind the relay. Each stream is
/// read to its end, then answered with the 8-byte little-endian count of bytes received and FIN; each datagram is
/// echoed unchanged from the loop thread.
/// </summary>
public static class Sinks
{
    // Registrations are unregistered when collected; keep them for the life of the process.
    private static readonly List<PosixSignalRegistration> s_signals = [];

    public static async Task SinkStreamAsync(QuicStream stream)
    {
        try
        {
            long total = 0;
            while (true)
            {
                var result = await stream.Input.ReadAsync().ConfigureAwait(false);
                total += result.Buffer.Length;
                stream.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await stream.Input.CompleteAsync().ConfigureAwait(false);
            BinaryPrimitives.WriteInt64LittleEndian(stream.Output.GetSpan(8), total);
            stream.Output.Advance(8);
            await stream.Output.FlushAsync().ConfigureAwait(false);
            await stream.Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            stream.Abort(1);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary><c>direct-server</c>: the direct path's far side. Prints <c>LISTENING ip:port</c> on stdout.</summary>
    public static async Task<int> RunDirectServerAsync(Options options)
    {
        await using var listener = QuicListener.Start(new QuicServerOptions
        {
            ListenEndPoints = [options.EndPoint("listen") ?? new IPEndPoint(IPAddress.Loopback, 0)],
            Alpn = Scenarios.Alpn,
        });
        Console.WriteLine($"LISTENING {listener.LocalEndPoints[0]}");
        using var stop = StopOnSignal(options);
        try
        {
            while (true)
            {
                var connection = await listener.AcceptConnectionAsync(stop.Token).ConfigureAwait(false);
                connection.SetDatagramHandler(static (c, datagram) => c.TrySendDatagram(datagram));
                _ = Task.Run(() => AcceptStreamsAsync(connection, stop.Token));
            }
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    /// <summary><c>relay-peer</c>: edge B. Binds both tunnels as egress, prints <c>BOUND</c>, then sinks and echoes.</summary>
    public static async Task<int> RunRelayPeerAsync(Options options)
    {
        var relay = options.EndPoint("relay") ?? throw new ArgumentException("--relay ip:port is required");
        var streamTunnel = Guid.Parse(options.Get("stream-tunnel") ?? throw new ArgumentException("--stream-tunnel is required"));
        var datagramTunnel = Guid.Parse(options.Get("dgram-tunnel") ?? throw new ArgumentException("--dgram-tunnel is required"));
        SimulatedEdge? self = null;
        await using var edge = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions
        {
            // Echo the whole datagram (UUID prefix included) back into the tunnel.
            DatagramObserver = datagram => self?.SendRawDatagram(datagram),
        }).ConfigureAwait(false);
        self = edge;
        await edge.BindAsync(streamTunnel, "egress", "tcp").ConfigureAwait(false);
        await edge.BindAsync(datagramTunnel, "egress", "udp").ConfigureAwait(false);
        for (var i = 0; i < 2; i++)
        {
            var reply = await edge.ReceiveControlAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (reply.Type is not ("tunnel_waiting" or "tunnel_ready"))
            {
                Console.Error.WriteLine($"relay-peer: bind refused: {reply}");
                return 2;
            }
        }

        Console.WriteLine("BOUND");
        using var stop = StopOnSignal(options);
        await SinkTunnelStreamsAsync(edge, "relay-peer", stop.Token).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Sinks every data stream the relay opens towards <paramref name="edge"/> until cancelled or disconnected.</summary>
    internal static async Task SinkTunnelStreamsAsync(SimulatedEdge edge, string who, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var tunnelStream = await edge.AcceptTunnelStreamAsync(ct).ConfigureAwait(false);
                _ = Task.Run(() => SinkStreamAsync(tunnelStream.Stream));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            Console.Error.WriteLine($"{who}: connection to the relay ended");
        }
    }

    private static async Task AcceptStreamsAsync(QuicConnection connection, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var stream = await connection.AcceptStreamAsync(ct).ConfigureAwait(false);
                _ = Task.Run(() => SinkStreamAsync(stream));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or QuicException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Cancelled by SIGTERM/SIGINT or after --max-seconds (default one hour), so a stray helper never lingers.</summary>
    internal static CancellationTokenSource StopOnSignal(Options options)
    {
        var cts = new CancellationTokenSource(TimeSpan.FromSeconds(options.Double("max-seconds", 3600)));
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
        {
            s_signals.Add(PosixSignalRegistration.Create(signal, c =>
            {
                c.Cancel = true;
                cts.Cancel();
            }));
        }

        return cts;
    }
}
