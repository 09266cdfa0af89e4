namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// One side of a native session: the latched post-NAT address, the relay socket it last registered on (its
/// dialled socket), the time of its last media (the hold-down stamp) and the bytes it sent.
/// </summary>
/// <remarks>
/// The address is an immutable box replaced on every latch, so a reader on another thread (the forwarding
/// path, a REST snapshot) always sees a whole address. Only registers change it, and only a change of address
/// allocates a new box: a keep-alive from the latched address reuses it.
/// </remarks>
public sealed class NativeUdpSlot
{
    private const long NoStamp = long.MinValue;

    private Latched? _latched;
    private int _dialledSocket = -1;
    private long _mediaStamp = NoStamp;
    private long _bytes;

    /// <summary>The latched address, or null while the slot is empty.</summary>
    internal Latched? Current => Volatile.Read(ref _latched);

    /// <summary>True once an address is latched.</summary>
    public bool IsLatched => Current is not null;

    /// <summary>The latched address, or null.</summary>
    public UdpPeerAddress? Address => Current?.Address;

    /// <summary>Index of the relay socket the slot's last accepted register arrived on; -1 when unknown.</summary>
    public int DialledSocket => Volatile.Read(ref _dialledSocket);

    /// <summary>Bytes received from this slot, prefix included (§5.7 rule 4).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Monotonic timestamp of the last media from this slot; null until the first.</summary>
    internal long? MediaStamp => Volatile.Read(ref _mediaStamp) is var stamp && stamp != NoStamp ? stamp : null;

    internal void Latch(in UdpPeerAddress address, int socketIndex)
    {
        var current = Current;
        if (current is null || current.Address != address)
        {
            Volatile.Write(ref _latched, new Latched(address));
        }

        Volatile.Write(ref _dialledSocket, socketIndex);
    }

    internal void RecordMedia(int bytes, long timestamp)
    {
        Interlocked.Add(ref _bytes, bytes);
        Volatile.Write(ref _mediaStamp, timestamp);
    }

    /// <summary>An address held by a slot; immutable so it can be published with one reference write.</summary>
    internal sealed class Latched(UdpPeerAddress address)
    {
        public UdpPeerAddress Address { get; } = address;
    }
}
