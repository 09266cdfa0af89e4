using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.ChaosCheck;

/// <summary>
/// A UDP forwarder between the edges and the relay that impairs both directions. Edges dial
/// <see cref="ListenEndPoint"/>; each edge address gets an upstream socket of its own towards the relay, so the
/// relay sees one address per edge, as it would through a lossy network.
/// </summary>
internal sealed class ImpairingForwarder : IDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _relay;
    private readonly ImpairmentSwitch _impairment;
    private readonly ConcurrentDictionary<EndPoint, Upstream> _upstreams = new();
    private readonly Thread _thread;
    private volatile bool _stopped;

    public ImpairingForwarder(IPEndPoint relay, ImpairmentSwitch impairment)
    {
        _relay = relay;
        _impairment = impairment;
        _listener = BindUdp(new IPEndPoint(IPAddress.Loopback, 0));
        ListenEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _thread = new Thread(ReceiveFromEdges) { IsBackground = true, Name = "chaos forwarder" };
        _thread.Start();
    }

    public IPEndPoint ListenEndPoint { get; }

    private static Socket BindUdp(IPEndPoint at)
    {
        var socket = new Socket(at.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
        {
            ReceiveBufferSize = 8 * 1024 * 1024,
            SendBufferSize = 8 * 1024 * 1024,
        };
        socket.Bind(at);
        return socket;
    }

    private void ReceiveFromEdges()
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!_stopped)
        {
            int length;
            try
            {
                length = _listener.ReceiveFrom(buffer, ref from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_stopped)
                {
                    return;
                }

                continue;
            }

            var upstream = _upstreams.GetOrAdd(from, static (edge, self) => new Upstream(self, (IPEndPoint)edge), this);
            upstream.ToRelay.Submit(buffer.AsSpan(0, length));
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _listener.Dispose();
        _thread.Join();
        foreach (var upstream in _upstreams.Values)
        {
            upstream.Dispose();
        }
    }

    private sealed class Upstream : IDisposable
    {
        private readonly ImpairingForwarder _owner;
        private readonly Socket _socket;
        private readonly Thread _thread;

        public Upstream(ImpairingForwarder owner, IPEndPoint edge)
        {
            _owner = owner;
            _socket = BindUdp(new IPEndPoint(IPAddress.Any, 0));
            ToRelay = new DelayLine(_socket, owner._relay, owner._impairment, owner._impairment.ToRelay);
            ToEdge = new DelayLine(owner._listener, edge, owner._impairment, owner._impairment.ToEdge);
            _thread = new Thread(ReceiveFromRelay) { IsBackground = true, Name = "chaos upstream" };
            _thread.Start();
        }

        public DelayLine ToRelay { get; }

        public DelayLine ToEdge { get; }

        private void ReceiveFromRelay()
        {
            var buffer = new byte[65536];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            while (!_owner._stopped)
            {
                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer, ref from);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    if (_owner._stopped)
                    {
                        return;
                    }

                    continue;
                }

                ToEdge.Submit(buffer.AsSpan(0, length));
            }
        }

        public void Dispose()
        {
            _socket.Dispose();
            _thread.Join();
            ToRelay.Dispose();
            ToEdge.Dispose();
        }
    }
}
