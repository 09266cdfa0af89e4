using System.Net;
using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

public sealed class SocketAddressCodecTests
{
    [Fact]
    public void WriteIPv4_ProducesSockaddrIn()
    {
        Span<byte> buffer = stackalloc byte[SocketAddressCodec.MaxLength];
        var length = SocketAddressCodec.Write(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 0x1234), buffer);

        Assert.Equal(16, length);
        Assert.Equal(new byte[] { 2, 0, 0x12, 0x34, 192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0 }, buffer[..length].ToArray());
    }

    [Fact]
    public void WriteIPv6_ProducesSockaddrIn6WithScope()
    {
        Span<byte> buffer = stackalloc byte[SocketAddressCodec.MaxLength];
        var address = IPAddress.Parse("fe80::1");
        address.ScopeId = 3;
        var length = SocketAddressCodec.Write(new IPEndPoint(address, 443), buffer);

        Assert.Equal(28, length);
        Assert.Equal(new byte[] { 10, 0, 0x01, 0xBB, 0, 0, 0, 0 }, buffer[..8].ToArray());
        Assert.Equal(address.GetAddressBytes(), buffer.Slice(8, 16).ToArray());
        Assert.Equal(new byte[] { 3, 0, 0, 0 }, buffer.Slice(24, 4).ToArray());
    }

    [Theory]
    [InlineData("127.0.0.1", 1)]
    [InlineData("203.0.113.200", 65535)]
    [InlineData("::1", 4433)]
    [InlineData("2001:db8::42", 0)]
    [InlineData("::ffff:10.1.2.3", 9000)]
    public void WriteThenRead_RoundTrips(string address, int port)
    {
        var original = new IPEndPoint(IPAddress.Parse(address), port);
        Span<byte> buffer = stackalloc byte[SocketAddressCodec.MaxLength];
        var length = SocketAddressCodec.Write(original, buffer);

        var decoded = SocketAddressCodec.Read(buffer[..length]);

        Assert.Equal(original, decoded);
        Assert.Equal(port, SocketAddressCodec.GetPort(buffer[..length]));
        Assert.Equal(length, SocketAddressCodec.GetLength(buffer));
    }

    [Fact]
    public void Equals_SameEndPointDifferentFlowAndScope_IsTrue()
    {
        var a = UdpTestSupport.Sockaddr(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 5000));
        var b = (byte[])a.Clone();
        b[4] = 0x77; // flow info
        b[24] = 9; // scope id

        Assert.True(SocketAddressCodec.Equals(a, b));
    }

    [Theory]
    [InlineData("10.0.0.1", 5000, "10.0.0.1", 5001)]
    [InlineData("10.0.0.1", 5000, "10.0.0.2", 5000)]
    [InlineData("10.0.0.1", 5000, "::ffff:10.0.0.1", 5000)]
    [InlineData("2001:db8::1", 5000, "2001:db8::2", 5000)]
    public void Equals_DifferentFamilyAddressOrPort_IsFalse(string addressA, int portA, string addressB, int portB)
    {
        var a = UdpTestSupport.Sockaddr(new IPEndPoint(IPAddress.Parse(addressA), portA));
        var b = UdpTestSupport.Sockaddr(new IPEndPoint(IPAddress.Parse(addressB), portB));

        Assert.False(SocketAddressCodec.Equals(a, b));
        Assert.True(SocketAddressCodec.Equals(a, a));
    }

    [Fact]
    public void Equals_GarbageInput_IsFalse()
    {
        Assert.False(SocketAddressCodec.Equals([1, 0, 0, 0], [1, 0, 0, 0]));
        Assert.False(SocketAddressCodec.Equals([2, 0], [2, 0]));
    }

    [Theory]
    [InlineData("198.51.100.9", 4)]
    [InlineData("2001:db8::9", 16)]
    public void TryGetAddressBytes_CopiesNetworkOrderAddress(string address, int expectedLength)
    {
        var ip = IPAddress.Parse(address);
        var sockaddr = UdpTestSupport.Sockaddr(new IPEndPoint(ip, 1));
        Span<byte> destination = stackalloc byte[16];

        Assert.True(SocketAddressCodec.TryGetAddressBytes(sockaddr, destination, out var length));
        Assert.Equal(expectedLength, length);
        Assert.Equal(ip.GetAddressBytes(), destination[..length].ToArray());
    }

    [Fact]
    public void Read_TruncatedSockaddr_Throws()
    {
        var sockaddr = UdpTestSupport.Sockaddr(new IPEndPoint(IPAddress.IPv6Loopback, 1));

        Assert.Throws<ArgumentException>(() => SocketAddressCodec.Read(sockaddr.AsSpan(0, 20)));
        Assert.False(SocketAddressCodec.TryGetAddressBytes(sockaddr.AsSpan(0, 20), new byte[16], out _));
    }
}
