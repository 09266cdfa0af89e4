using System.Net;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Hosting;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.NativeUdp;

/// <summary>
/// The native UDP relay plane (PROTOCOL.md §5) inside the relay host: binds each <c>udp_relay_addrs</c> entry with
/// one SO_REUSEPORT socket per loop (<c>quic_threads</c> loops, like the QUIC plane), runs the loops, the reaper every
/// 10 s and the interface address refresh every 60 s. An address that cannot be bound is skipped; with none bound the
/// plane stays off, says so in the log and as an event, and the relay carries on with QUIC only — it never stops the
/// process. An address served by an inherited socket (systemd socket activation) has exactly that one socket, so
/// the plane then runs a single loop for all its addresses: every loop must hold a socket of every address.
/// </summary>
internal sealed class NativeUdpComponent(
    NativeUdpRelay relay,
    RelayConfig config,
    Logger log,
    RelayLifetime lifetime,
    TimeProvider time,
    IReadOnlyDictionary<IPEndPoint, int>? inheritedSockets = null) : IRelayComponent
{
    /// <summary>Send and receive buffer asked of the kernel per socket: a feed of tens of Mbit/s overruns the default ~200 KB.</summary>
    public const int RequestedBufferBytes = 32 * 1024 * 1024;

    /// <summary>Granted buffers below this are warned about.</summary>
    public const int MinimumBufferBytes = 4 * 1024 * 1024;

    private static readonly TimeSpan InterfaceRefreshInterval = TimeSpan.FromSeconds(60);

    private readonly List<SocketBuffers> _buffers = [];
    private readonly IReadOnlyDictionary<IPEndPoint, int> _inherited = inheritedSockets ?? new Dictionary<IPEndPoint, int>();
    private NativeUdpLoop[] _loops = [];
    private ITimer? _reaper;
    private ITimer? _interfaceRefresh;
    private IPEndPoint[] _bound = [];

    public string Name => "udp-relay";

    /// <summary>The session logic the loop feeds.</summary>
    public NativeUdpRelay Sessions => relay;

    /// <summary>The bound native sockets (actual ports when 0 was configured); empty when the plane is off.</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => Volatile.Read(ref _bound);

    /// <summary>True when at least one native socket is bound: only then is <c>udp-relay</c> advertised.</summary>
    public bool IsListening => LocalEndPoints.Count > 0;

    /// <summary>The kernel's granted buffer sizes per bound address.</summary>
    public IReadOnlyList<SocketBuffers> Buffers => _buffers;

    /// <summary>Loops serving the plane: <c>quic_threads</c>, or 1 with an inherited socket; 0 while off.</summary>
    public int LoopCount => _loops.Length;

    /// <summary>Datagrams each loop received, in loop order.</summary>
    public IReadOnlyList<long> LoopDatagramsReceived => [.. _loops.Select(static l => l.DatagramsReceived)];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!config.UdpRelayEnabled)
        {
            return Task.CompletedTask;
        }

        if (!config.RequireBindAuth)
        {
            NativeUdpLog.Unauthenticated(log);
            relay.RaiseUnauthenticatedPosture();
        }

        var loopCount = _inherited.Count > 0 ? 1 : config.QuicThreads;
        if (_inherited.Count > 0 && config.QuicThreads > 1)
        {
            NativeUdpLog.InheritedSingleLoop(log, config.QuicThreads);
        }

        // groups[a][k]: loop k's socket of address a.
        var groups = new List<UdpBatchSocket[]>();
        foreach (var address in config.UdpRelayAddrs)
        {
            try
            {
                groups.Add(_inherited.TryGetValue(address, out var descriptor)
                    ? [UdpBatchSocket.Adopt(descriptor, RequestedBufferBytes, probePathMtu: false)]
                    : UdpBatchSocket.BindGroup(address, loopCount, reuseAddress: true, bufferBytes: RequestedBufferBytes, probePathMtu: false));
            }
            catch (IOException e)
            {
                NativeUdpLog.BindFailed(log, address.ToString(), e.Message);
            }
        }

        if (groups.Count == 0)
        {
            NativeUdpLog.NotStarted(log, config.UdpRelayAddrs);
            relay.RaiseNotStarted(config.UdpRelayAddrs.Select(static a => a.ToString()));
            return Task.CompletedTask;
        }

        foreach (var group in groups)
        {
            var socket = group[0];
            var buffers = new SocketBuffers(socket.LocalEndPoint, socket.ReceiveBufferSize, socket.SendBufferSize);
            _buffers.Add(buffers);
            NativeUdpLog.Listening(log, buffers.EndPoint, buffers.Receive, buffers.Send, loopCount);
            if (Math.Min(buffers.Receive, buffers.Send) < MinimumBufferBytes)
            {
                NativeUdpLog.SmallBuffers(log, buffers.EndPoint, buffers.Receive, buffers.Send, MinimumBufferBytes);
            }
        }

        Volatile.Write(ref _bound, [.. groups.Select(static g => g[0].LocalEndPoint)]);
        RefreshOwnAddresses();
        _loops = [.. Enumerable.Range(0, loopCount).Select(k => new NativeUdpLoop([.. groups.Select(g => g[k])], relay, k))];
        foreach (var loop in _loops)
        {
            loop.Completion.ContinueWith(OnLoopEnded, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            loop.Start();
        }

        var reapInterval = relay.Options.ReapInterval;
        _reaper = time.CreateTimer(static state => ((NativeUdpRelay)state!).Reap(), relay, reapInterval, reapInterval);
        _interfaceRefresh = time.CreateTimer(static state => ((NativeUdpComponent)state!).RefreshOwnAddresses(), this, InterfaceRefreshInterval, InterfaceRefreshInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _reaper?.Dispose();
        _interfaceRefresh?.Dispose();
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }

        Volatile.Write(ref _bound, []);
        return Task.CompletedTask;
    }

    // Interfaces come and go (DHCP, VPNs): the relay-owned set follows them.
    private void RefreshOwnAddresses()
    {
        IReadOnlyList<IPAddress> interfaces;
        try
        {
            interfaces = InterfaceAddresses.Read();
        }
        catch (UdpSocketException e)
        {
            NativeUdpLog.InterfacesUnavailable(log, e.Message);
            interfaces = [];
        }

        relay.OwnAddresses = new RelayOwnAddresses(LocalEndPoints, interfaces, relay.Options.PublicAddress);
    }

    private void OnLoopEnded(Task<Exception?> ended)
    {
        if (ended.Result is { } fault)
        {
            NativeUdpLog.LoopFailed(log, fault);
            lifetime.Fail(Name, "the native UDP relay loop failed: " + fault.Message, fault);
        }
    }

    /// <summary>The kernel's buffer sizes for one native socket, as getsockopt reports them.</summary>
    internal readonly record struct SocketBuffers(IPEndPoint EndPoint, int Receive, int Send);
}
