using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Packets the kernel refused with a full send buffer (EAGAIN), kept to be sent once the socket is writable instead
/// of being dropped: a drop would look like loss to QUIC and make it back off. One batch at a time — while it is
/// pending nothing else is written to the socket. Owns its native memory; loop thread only.
/// </summary>
internal sealed unsafe class PendingSend : IDisposable
{
    private readonly byte* _data;
    private readonly byte* _destination;
    private int _length;
    private int _destinationLength;
    private int _segmentSize;

    public PendingSend()
    {
        _data = (byte*)NativeMemory.Alloc((nuint)UdpBatchSocket.MaxGsoBytes);
        _destination = (byte*)NativeMemory.AllocZeroed((nuint)SocketAddressCodec.MaxLength);
    }

    /// <summary>True while packets wait for the socket to become writable.</summary>
    public bool IsPending => _length > 0;

    /// <summary>Keeps <paramref name="rest"/> (whole segments of <paramref name="segmentSize"/>, or one datagram when 0) for <paramref name="destination"/>.</summary>
    public void Keep(ReadOnlySpan<byte> rest, ReadOnlySpan<byte> destination, int segmentSize)
    {
        rest.CopyTo(new Span<byte>(_data, UdpBatchSocket.MaxGsoBytes));
        destination.CopyTo(new Span<byte>(_destination, SocketAddressCodec.MaxLength));
        _length = rest.Length;
        _destinationLength = destination.Length;
        _segmentSize = segmentSize;
    }

    /// <summary>Sends as much as the socket takes; true once nothing is pending any more.</summary>
    public bool TrySend(UdpBatchSocket socket)
    {
        if (_length == 0)
        {
            return true;
        }

        var sent = socket.Send(new ReadOnlySpan<byte>(_data, _length), new ReadOnlySpan<byte>(_destination, _destinationLength), _segmentSize);
        if (sent < _length)
        {
            // Whole segments went out; move the rest to the front so the next attempt starts at a segment boundary.
            new ReadOnlySpan<byte>(_data + sent, _length - sent).CopyTo(new Span<byte>(_data, _length));
            _length -= sent;
            return false;
        }

        _length = 0;
        return true;
    }

    /// <summary>Drops what is pending (the socket failed for good).</summary>
    public void Discard() => _length = 0;

    public void Dispose()
    {
        NativeMemory.Free(_data);
        NativeMemory.Free(_destination);
    }
}
