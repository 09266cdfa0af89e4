using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Converts between <see cref="IPEndPoint"/> and raw Linux <c>sockaddr_in</c> / <c>sockaddr_in6</c> bytes,
/// and inspects raw socket addresses without allocating (for the per-packet path).
/// </summary>
/// <remarks>Stateless and thread-safe. Family and scope id are host byte order; port and address are network order.</remarks>
internal static class SocketAddressCodec
{
    /// <summary>Size of a <c>sockaddr_in</c>.</summary>
    internal const int IPv4Length = 16;

    /// <summary>Size of a <c>sockaddr_in6</c>.</summary>
    internal const int IPv6Length = 28;

    /// <summary>Largest length <see cref="Write"/> can return; a destination of this size always suffices.</summary>
    internal const int MaxLength = IPv6Length;

    /// <summary>Writes <paramref name="endPoint"/> as a sockaddr and returns its length (16 or 28).</summary>
    /// <exception cref="ArgumentException">The family is not IPv4/IPv6 or <paramref name="destination"/> is too small.</exception>
    public static int Write(IPEndPoint endPoint, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = endPoint.Address;
        switch (address.AddressFamily)
        {
            case AddressFamily.InterNetwork:
                if (destination.Length < IPv4Length)
                {
                    throw new ArgumentException("A sockaddr_in needs 16 bytes.", nameof(destination));
                }

                destination[..IPv4Length].Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(destination, LibcConstants.AF_INET);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)endPoint.Port);
                address.TryWriteBytes(destination.Slice(4, 4), out _);
                return IPv4Length;

            case AddressFamily.InterNetworkV6:
                if (destination.Length < IPv6Length)
                {
                    throw new ArgumentException("A sockaddr_in6 needs 28 bytes.", nameof(destination));
                }

                destination[..IPv6Length].Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(destination, LibcConstants.AF_INET6);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)endPoint.Port);
                address.TryWriteBytes(destination.Slice(8, 16), out _);
                BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)address.ScopeId);
                return IPv6Length;

            default:
                throw new ArgumentException($"Address family {address.AddressFamily} is not IPv4 or IPv6.", nameof(endPoint));
        }
    }

    /// <summary>
    /// Writes a sockaddr for raw network-order address bytes (4 for IPv4, 16 for IPv6) and a port, without
    /// allocating; returns its length (16 or 28), or 0 when the address is neither length.
    /// </summary>
    public static int Write(ReadOnlySpan<byte> addressBytes, int port, Span<byte> destination)
    {
        switch (addressBytes.Length)
        {
            case 4:
                destination[..IPv4Length].Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(destination, LibcConstants.AF_INET);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)port);
                addressBytes.CopyTo(destination[4..]);
                return IPv4Length;
            case 16:
                destination[..IPv6Length].Clear();
                BinaryPrimitives.WriteUInt16LittleEndian(destination, LibcConstants.AF_INET6);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)port);
                addressBytes.CopyTo(destination[8..]);
                return IPv6Length;
            default:
                return 0;
        }
    }

    /// <summary>Decodes a sockaddr into a new <see cref="IPEndPoint"/> (allocates; not for the per-packet path).</summary>
    /// <exception cref="ArgumentException">The bytes are not a complete IPv4/IPv6 sockaddr.</exception>
    public static IPEndPoint Read(ReadOnlySpan<byte> sockaddr)
    {
        switch (GetFamily(sockaddr))
        {
            case AddressFamily.InterNetwork:
                return new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), GetPort(sockaddr));
            case AddressFamily.InterNetworkV6:
                var scopeId = BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[24..]);
                return new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16), scopeId), GetPort(sockaddr));
            default:
                throw new ArgumentException("Not a complete sockaddr_in or sockaddr_in6.", nameof(sockaddr));
        }
    }

    /// <summary>
    /// The family of a raw sockaddr, or <see cref="AddressFamily.Unknown"/> when the bytes are too short
    /// for the family they claim or the family is neither IPv4 nor IPv6.
    /// </summary>
    public static AddressFamily GetFamily(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 2)
        {
            return AddressFamily.Unknown;
        }

        return BinaryPrimitives.ReadUInt16LittleEndian(sockaddr) switch
        {
            LibcConstants.AF_INET when sockaddr.Length >= IPv4Length => AddressFamily.InterNetwork,
            LibcConstants.AF_INET6 when sockaddr.Length >= IPv6Length => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
    }

    /// <summary>The length of the sockaddr the bytes start with (16 or 28), or 0 when it is not IPv4/IPv6.</summary>
    public static int GetLength(ReadOnlySpan<byte> sockaddr) => GetFamily(sockaddr) switch
    {
        AddressFamily.InterNetwork => IPv4Length,
        AddressFamily.InterNetworkV6 => IPv6Length,
        _ => 0,
    };

    /// <summary>The port (host order) of an IPv4/IPv6 sockaddr, or 0 when it is neither.</summary>
    public static int GetPort(ReadOnlySpan<byte> sockaddr) =>
        GetFamily(sockaddr) == AddressFamily.Unknown ? 0 : BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);

    /// <summary>
    /// True when both sockaddrs have the same family, address and port. IPv6 flow info and scope id are ignored;
    /// an IPv4 address never equals its IPv4-mapped IPv6 form. Two unrecognised inputs are not equal.
    /// </summary>
    public static bool Equals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var family = GetFamily(a);
        if (family == AddressFamily.Unknown || family != GetFamily(b))
        {
            return false;
        }

        // Port (offset 2) plus address: 4 bytes at 4 for IPv4, 16 bytes at 8 for IPv6.
        return family == AddressFamily.InterNetwork
            ? a.Slice(2, 6).SequenceEqual(b.Slice(2, 6))
            : a.Slice(2, 2).SequenceEqual(b.Slice(2, 2)) && a.Slice(8, 16).SequenceEqual(b.Slice(8, 16));
    }

    /// <summary>
    /// Copies the IP address bytes (4 for IPv4, 16 for IPv6, network order) into <paramref name="destination"/>,
    /// which must hold 16 bytes. Allocation-free, for per-source-address accounting.
    /// </summary>
    public static bool TryGetAddressBytes(ReadOnlySpan<byte> sockaddr, Span<byte> destination, out int length)
    {
        switch (GetFamily(sockaddr))
        {
            case AddressFamily.InterNetwork when destination.Length >= 4:
                sockaddr.Slice(4, 4).CopyTo(destination);
                length = 4;
                return true;
            case AddressFamily.InterNetworkV6 when destination.Length >= 16:
                sockaddr.Slice(8, 16).CopyTo(destination);
                length = 16;
                return true;
            default:
                length = 0;
                return false;
        }
    }
}
