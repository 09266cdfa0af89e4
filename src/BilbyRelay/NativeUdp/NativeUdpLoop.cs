using System.Net.Sockets;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.NativeUdp;

/// <summary>
/// One of the native UDP plane's socket loops: a thread that waits on its sockets (one per <c>udp_relay_addrs</c>
/// entry) with epoll, drains each readable socket with <c>recvmmsg</c> batches, hands every datagram to
/// <see cref="NativeUdpRelay"/>, and sends the forwards of a batch with one <c>sendmmsg</c> per outgoing socket,
/// straight from the receive buffers, consecutive datagrams of one size to one peer coalesced into a UDP GSO send.
/// </summary>
/// <remarks>
/// The plane runs one loop per <c>quic_threads</c>; loop <i>k</i> holds the <i>k</i>-th SO_REUSEPORT socket of every
/// address, in <c>udp_relay_addrs</c> order, so a socket index names the same address in every loop. The kernel
/// hashes each peer's address and port to one socket of a group, so a peer's datagrams are all handled by one loop,
/// in order. The two ends of a tunnel may land on different loops: a loop forwards from its own socket of the
/// target's dialled address, which has the same local address and port as the socket the target dialled, so the
/// datagram on the wire is the same whichever loop sends it. Acks (one per register, about every 5 s per slot) go
/// out at once with one <c>sendmsg</c>. Nothing here allocates per datagram.
/// </remarks>
internal sealed class NativeUdpLoop : IDisposable
{
    /// <summary>Datagrams per receive call; each slot is 64 KiB so nothing is truncated.</summary>
    internal const int BatchCapacity = 32;

    // Receive batches taken from one socket before the loop looks at the others again.
    private const int BatchesPerTurn = 8;

    private readonly UdpBatchSocket[] _sockets;
    private readonly UdpSendBatch[] _sends;
    private readonly NativeUdpRelay _relay;
    private readonly EventLoopPoller _poller = new();
    private readonly UdpReceiveBatch _receive = new(BatchCapacity, UdpReceiveBatch.MaxBufferSize);
    private readonly byte[] _reply = new byte[NativeUdpRelay.MaxControlLength];
    private readonly TaskCompletionSource<Exception?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private volatile bool _stopping;
    private long _datagramsReceived;

    /// <param name="sockets">This loop's socket of every native address, in <c>udp_relay_addrs</c> order.</param>
    /// <param name="index">The loop's number, for its thread name.</param>
    public NativeUdpLoop(IReadOnlyList<UdpBatchSocket> sockets, NativeUdpRelay relay, int index)
    {
        _sockets = [.. sockets];
        _sends = [.. _sockets.Select(static _ => new UdpSendBatch(BatchCapacity))];
        _relay = relay;
        foreach (var socket in _sockets)
        {
            _poller.Register(socket.Handle);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "native-udp-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }

    /// <summary>Datagrams this loop received, of every kind; shows how the kernel spreads peers over the loops.</summary>
    public long DatagramsReceived => Volatile.Read(ref _datagramsReceived);

    /// <summary>Completes when the loop ends: null after <see cref="Dispose"/>, the exception if it died of a defect.</summary>
    public Task<Exception?> Completion => _completion.Task;

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stopping = true;
        _poller.Wake();
        if (_thread.ThreadState != ThreadState.Unstarted)
        {
            _thread.Join();
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        foreach (var batch in _sends)
        {
            batch.Dispose();
        }

        _receive.Dispose();
        _poller.Dispose();
    }

    private void Run()
    {
        try
        {
            Span<PollEvent> events = stackalloc PollEvent[16];
            while (!_stopping)
            {
                var ready = _poller.Wait(-1, events);
                for (var i = 0; i < ready && !_stopping; i++)
                {
                    if (events[i].Readable && IndexOf(events[i].Fd) is var index and >= 0)
                    {
                        Drain(index);
                    }
                }
            }

            _completion.TrySetResult(null);
        }
        catch (Exception e)
        {
            _completion.TrySetResult(e);
        }
    }

    private int IndexOf(int fd)
    {
        for (var i = 0; i < _sockets.Length; i++)
        {
            if (_sockets[i].Handle == fd)
            {
                return i;
            }
        }

        return -1;
    }

    private void Drain(int socketIndex)
    {
        var socket = _sockets[socketIndex];
        for (var turn = 0; turn < BatchesPerTurn; turn++)
        {
            var count = socket.ReceiveBatch(_receive);
            Volatile.Write(ref _datagramsReceived, _datagramsReceived + count);
            for (var i = 0; i < count; i++)
            {
                Handle(socketIndex, i);
            }

            // The forwards point into the receive buffers: they leave before the next receive reuses them.
            Flush();
            if (count < _receive.Capacity)
            {
                return;
            }
        }
    }

    private void Handle(int socketIndex, int datagram)
    {
        var source = _receive.SourceAddress(datagram);
        Span<byte> address = stackalloc byte[16];
        if (!SocketAddressCodec.TryGetAddressBytes(source, address, out var addressLength))
        {
            return;
        }

        var peer = UdpPeerAddress.FromBytes(address[..addressLength], SocketAddressCodec.GetPort(source));
        var decision = _relay.Process(_receive.Payload(datagram), peer, socketIndex, _reply);
        switch (decision.Action)
        {
            case NativeUdpAction.Reply:
                if (!_sockets[socketIndex].TrySendDatagram(_reply.AsSpan(0, decision.ReplyLength), source))
                {
                    _relay.Metrics.CountSendErrors();
                }

                break;

            case NativeUdpAction.Forward:
                Forward(datagram, decision);
                break;
        }
    }

    private void Forward(int datagram, in NativeUdpDecision decision)
    {
        var target = decision.Target;
        var socketIndex = SendingSocket(decision.SocketIndex, target.AddressFamily);
        if (socketIndex < 0)
        {
            _relay.Metrics.CountSendErrors();
            return;
        }

        Span<byte> address = stackalloc byte[16];
        Span<byte> destination = stackalloc byte[SocketAddressCodec.MaxLength];
        SocketAddressCodec.Write(address[..target.WriteAddressBytes(address)], target.Port, destination);
        var batch = _sends[socketIndex];
        if (batch.IsFull)
        {
            Send(socketIndex);
        }

        batch.Add(_receive, datagram, destination, coalesce: _sockets[socketIndex].GsoSupported);
    }

    // The dialled socket (§5.1 rule 4), else the first socket of the target's family.
    private int SendingSocket(int dialled, AddressFamily family)
    {
        if ((uint)dialled < (uint)_sockets.Length && _sockets[dialled].AddressFamily == family)
        {
            return dialled;
        }

        for (var i = 0; i < _sockets.Length; i++)
        {
            if (_sockets[i].AddressFamily == family)
            {
                return i;
            }
        }

        return -1;
    }

    private void Flush()
    {
        for (var i = 0; i < _sends.Length; i++)
        {
            if (_sends[i].Count > 0)
            {
                Send(i);
            }
        }
    }

    private void Send(int socketIndex)
    {
        var sent = _sockets[socketIndex].SendBatch(_sends[socketIndex], out var bytes, out var failed);
        _relay.Metrics.CountSent(sent, bytes);
        if (failed > 0)
        {
            _relay.Metrics.CountSendErrors(failed);
        }
    }
}
