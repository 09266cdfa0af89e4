using System.Net;
using System.Threading.Channels;
using BilbyRelay.Quic;

namespace BilbyRelay.EdgeSimulator;

/// <summary>
/// A bilbycast edge: dials the relay, opens its control stream, binds tunnels, opens and accepts
/// tunnel data streams and sends datagrams. Messages the relay sends are kept apart by the path
/// they took: replies on the control stream (<see cref="ReceiveControlAsync"/>) and notifications
/// on relay-opened unidirectional streams (<see cref="ReceiveNotificationAsync"/>).
/// </summary>
public sealed partial class SimulatedEdge : IAsyncDisposable
{
    private readonly QuicConnection _connection;
    private readonly QuicStream _control;
    private readonly SemaphoreSlim _controlWriteLock = new(1, 1);
    private readonly Channel<EdgeMessage> _controlMessages = Channel.CreateUnbounded<EdgeMessage>();
    private readonly Channel<EdgeMessage> _notifications = Channel.CreateUnbounded<EdgeMessage>();
    private readonly Channel<TunnelStream> _incomingStreams = Channel.CreateUnbounded<TunnelStream>();
    private readonly Channel<byte[]> _datagrams = Channel.CreateUnbounded<byte[]>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _controlPump;
    private readonly Task _acceptPump;

    private SimulatedEdge(QuicConnection connection, QuicStream control, SimulatedEdgeOptions options)
    {
        _connection = connection;
        _control = control;
        var observer = options.DatagramObserver;
        if (observer is not null)
        {
            connection.SetDatagramHandler((_, datagram) => observer(datagram));
        }
        else
        {
            connection.SetDatagramHandler((_, datagram) => _datagrams.Writer.TryWrite(datagram.ToArray()));
        }

        _controlPump = Task.Run(PumpControlAsync);
        _acceptPump = Task.Run(PumpIncomingStreamsAsync);
    }

    public QuicConnection Connection => _connection;

    public QuicStream ControlStream => _control;

    public IPEndPoint LocalEndPoint => _connection.LocalEndPoint;

    public Task<QuicConnectionCloseInfo> Closed => _connection.Closed;

    /// <summary>Datagrams received (when no <see cref="SimulatedEdgeOptions.DatagramObserver"/> is set).</summary>
    public ChannelReader<byte[]> Datagrams => _datagrams.Reader;

    public static async Task<SimulatedEdge> ConnectAsync(IPEndPoint relay, SimulatedEdgeOptions? options = null, CancellationToken ct = default)
    {
        options ??= new SimulatedEdgeOptions();
        var connection = await QuicConnection.ConnectAsync(
            new QuicClientOptions
            {
                RemoteEndPoint = relay,
                Alpn = options.Alpn,
                ServerName = "bilbycast-relay",
                SkipCertificateValidation = options.PinnedCertificateSha256 is null,
                PinnedCertificateSha256 = options.PinnedCertificateSha256,
                Transport = options.Transport,
                UseDedicatedEndpoint = options.OwnSocket,
            },
            ct).ConfigureAwait(false);
        try
        {
            var control = await connection.OpenStreamAsync(bidirectional: true, ct).ConfigureAwait(false);
            return new SimulatedEdge(connection, control, options);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_controlPump, _acceptPump).ConfigureAwait(false);
        _stop.Dispose();
        _controlWriteLock.Dispose();
    }
}
