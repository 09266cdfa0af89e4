using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// An IP address and port as the native UDP plane compares them: exact family, address and port, nothing
/// else (IPv6 scope and flow label are ignored). IPv4 is kept in its IPv4-mapped IPv6 form with a family
/// flag, so one 16-byte comparison serves both families and an IPv4 address never equals its mapped form.
/// A value type: building, comparing and hashing one never allocates.
/// </summary>
public readonly struct UdpPeerAddress : IEquatable<UdpPeerAddress>
{
    private const ulong MappedPrefixLow = 0x0000_FFFF_0000_0000;

    private readonly ulong _high;
    private readonly ulong _low;

    private UdpPeerAddress(ulong high, ulong low, int port, bool isIPv4)
    {
        _high = high;
        _low = low;
        Port = port;
        IsIPv4 = isIPv4;
    }

    public int Port { get; }

    public bool IsIPv4 { get; }

    /// <summary>True for the default value, which stands for "no address".</summary>
    public bool IsEmpty => !IsIPv4 && _high == 0 && _low == 0 && Port == 0;

    /// <summary>From raw network-order address bytes: 4 for IPv4, 16 for IPv6.</summary>
    /// <exception cref="ArgumentException">Neither 4 nor 16 bytes.</exception>
    public static UdpPeerAddress FromBytes(ReadOnlySpan<byte> address, int port)
    {
        switch (address.Length)
        {
            case 4:
                return new UdpPeerAddress(0, MappedPrefixLow | BinaryPrimitives.ReadUInt32BigEndian(address), port, isIPv4: true);
            case 16:
                return new UdpPeerAddress(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]), port, isIPv4: false);
            default:
                throw new ArgumentException("An IP address has 4 or 16 bytes.", nameof(address));
        }
    }

    public static UdpPeerAddress FromEndPoint(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return FromAddress(endPoint.Address, endPoint.Port);
    }

    public static UdpPeerAddress FromAddress(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return FromBytes(bytes[..written], port);
    }

    public static bool operator ==(UdpPeerAddress left, UdpPeerAddress right) => left.Equals(right);

    public static bool operator !=(UdpPeerAddress left, UdpPeerAddress right) => !left.Equals(right);

    /// <summary>The same address with another port (for "any socket on this IP with that port" checks).</summary>
    public UdpPeerAddress WithPort(int port) => new(_high, _low, port, IsIPv4);

    /// <summary>Same family and address; the port is not compared.</summary>
    public bool HasSameIp(in UdpPeerAddress other) => _high == other._high && _low == other._low && IsIPv4 == other.IsIPv4;

    /// <summary>Writes the network-order address bytes (4 or 16) and returns how many.</summary>
    public int WriteAddressBytes(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
            return 4;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        return 16;
    }

    /// <summary>
    /// No host can own it: port 0, the unspecified address, multicast, or the IPv4 limited broadcast address
    /// (§5.4 rule 2). Loopback and private ranges are plausible.
    /// </summary>
    public bool IsUnroutable
    {
        get
        {
            if (Port == 0)
            {
                return true;
            }

            if (IsIPv4)
            {
                var v4 = (uint)_low;
                return v4 == 0 || v4 == 0xFFFF_FFFF || (v4 >> 28) == 0xE;
            }

            return (_high == 0 && _low == 0) || (_high >> 56) == 0xFF;
        }
    }

    /// <summary>127.0.0.0/8 or ::1.</summary>
    public bool IsLoopback => IsIPv4 ? ((uint)_low >> 24) == 127 : _high == 0 && _low == 1;

    /// <summary>
    /// The key a source is charged to for the per-IP session cap: the whole IPv4 address, or the IPv6 /64
    /// prefix (one host normally owns a whole /64, so a /128 key would not limit it).
    /// </summary>
    public UdpPeerAddress CapKey => IsIPv4 ? new UdpPeerAddress(_high, _low, 0, true) : new UdpPeerAddress(_high, 0, 0, false);

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        return new IPAddress(bytes[..WriteAddressBytes(bytes)]);
    }

    public IPEndPoint ToEndPoint() => new(ToIPAddress(), Port);

    public AddressFamily AddressFamily => IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    public bool Equals(UdpPeerAddress other) => _high == other._high && _low == other._low && Port == other.Port && IsIPv4 == other.IsIPv4;

    public override bool Equals(object? obj) => obj is UdpPeerAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, Port, IsIPv4);

    /// <summary>The IP alone: <c>192.0.2.1</c> or <c>2001:db8::1</c>.</summary>
    public string IpText() => ToIPAddress().ToString();

    /// <summary><c>ip:port</c>, IPv6 as <c>[v6]:port</c>.</summary>
    public override string ToString() => IsIPv4
        ? string.Create(CultureInfo.InvariantCulture, $"{IpText()}:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"[{IpText()}]:{Port}");
}
