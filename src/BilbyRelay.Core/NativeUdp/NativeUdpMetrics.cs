namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// Relay-wide counters of the native UDP plane (§5.11). True counters: they only ever increase, whatever
/// happens to sessions. Thread-safe; written by the loop, read by the stats endpoint and the manager link.
/// </summary>
public sealed class NativeUdpMetrics
{
    private readonly long[] _drops = new long[Enum.GetValues<NativeUdpDropReason>().Length];
    private readonly long[] _rejections = new long[Enum.GetValues<NativeUdpRejectReason>().Length];
    private long _bytesForwarded;
    private long _bytesReceived;
    private long _datagramsForwarded;
    private long _registers;
    private long _reaped;

    /// <summary>Bytes handed to the kernel for forwarding.</summary>
    public long BytesForwarded => Volatile.Read(ref _bytesForwarded);

    /// <summary>Media bytes received from latched slots (§5.7 rule 4), forwarded or not.</summary>
    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Media datagrams handed to the kernel for forwarding.</summary>
    public long DatagramsForwarded => Volatile.Read(ref _datagramsForwarded);

    /// <summary>Registers accepted (and acked).</summary>
    public long RegistersAccepted => Volatile.Read(ref _registers);

    /// <summary>Sessions removed by the reaper.</summary>
    public long SessionsReaped => Volatile.Read(ref _reaped);

    public long GetDrops(NativeUdpDropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    public long GetRejections(NativeUdpRejectReason reason) => Volatile.Read(ref _rejections[(int)reason]);

    internal void CountDrop(NativeUdpDropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void CountRejection(NativeUdpRejectReason reason) => Interlocked.Increment(ref _rejections[(int)reason]);

    internal void CountReceived(int bytes) => Interlocked.Add(ref _bytesReceived, bytes);

    internal void CountRegister() => Interlocked.Increment(ref _registers);

    internal void CountReaped(int sessions) => Interlocked.Add(ref _reaped, sessions);

    /// <summary><paramref name="datagrams"/> forwarded datagrams of <paramref name="bytes"/> in total went to the kernel.</summary>
    public void CountSent(int datagrams, long bytes)
    {
        Interlocked.Add(ref _datagramsForwarded, datagrams);
        Interlocked.Add(ref _bytesForwarded, bytes);
    }

    /// <summary>The kernel refused <paramref name="datagrams"/> sends (EAGAIN, ENOBUFS, unreachable ...): dropped, never retried.</summary>
    public void CountSendErrors(int datagrams = 1) => Interlocked.Add(ref _drops[(int)NativeUdpDropReason.SendError], datagrams);
}
