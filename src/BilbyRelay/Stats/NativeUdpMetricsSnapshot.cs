namespace BilbyRelay.Stats;

/// <summary>The native UDP plane's <c>/metrics</c> families (PROTOCOL.md §5.11).</summary>
internal sealed class NativeUdpMetricsSnapshot
{
    public long SessionsTotal { get; init; }

    public long SessionsActive { get; init; }

    public long BytesForwardedTotal { get; init; }

    public long DatagramsForwardedTotal { get; init; }

    public long BytesReceivedTotal { get; init; }

    public long RegistersTotal { get; init; }

    public long SessionsReapedTotal { get; init; }

    /// <summary>Datagrams dropped, one entry per reason (zeros included).</summary>
    public IReadOnlyList<ReasonCount> Dropped { get; init; } = [];

    /// <summary>Registers refused, one entry per reason (zeros included).</summary>
    public IReadOnlyList<ReasonCount> RegisterRejected { get; init; } = [];

    /// <summary>Granted socket buffers, one entry per bound socket.</summary>
    public IReadOnlyList<SocketBufferGauge> SocketBuffers { get; init; } = [];
}

/// <summary>One native socket's granted <c>SO_RCVBUF</c> and <c>SO_SNDBUF</c> (as getsockopt reports them).</summary>
internal readonly record struct SocketBufferGauge(string Address, long ReceiveBytes, long SendBytes);
