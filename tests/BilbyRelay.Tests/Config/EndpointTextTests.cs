using System.Net;
using BilbyRelay.Config;
using Xunit;

namespace BilbyRelay.Tests.Config;

public sealed class EndpointTextTests
{
    [Theory]
    [InlineData("0.0.0.0:4433", "0.0.0.0:4433")]
    [InlineData("[::]:4433", "[::]:4433")]
    [InlineData("[::1]:1", "[::1]:1")]
    [InlineData("localhost:4480", "127.0.0.1:4480")]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    [InlineData("10.1.2.3:65535", "10.1.2.3:65535")]
    public void ListenEndpoint_Parses(string text, string expected)
    {
        Assert.True(EndpointText.TryParseListenEndpoint(text, out var endpoint, out var error), error);
        Assert.Equal(IPEndPoint.Parse(expected), endpoint);
    }

    [Theory]
    [InlineData("0.0.0.0:65536", "out of range")]
    [InlineData("0.0.0.0:-1", "out of range")]
    [InlineData("0.0.0.0", "is not \"host:port\"")]
    [InlineData("::1:4433", "write IPv6 addresses in brackets")]
    [InlineData("relay.example.com:4433", "is not an IP address")]
    [InlineData("[::1:4433", "is not \"[ipv6]:port\"")]
    [InlineData("[127.0.0.1]:4433", "is not an IP address")]
    public void ListenEndpoint_Rejects(string text, string expected)
    {
        Assert.False(EndpointText.TryParseListenEndpoint(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relay.example.com:4433", true)]
    [InlineData("203.0.113.5:4433", true)]
    [InlineData("[2001:db8::1]:4433", true)]
    [InlineData("2001:db8::1:4433", false)]
    [InlineData("relay example:4433", false)]
    [InlineData("relay.example.com:70000", false)]
    public void HostPort_Validates(string text, bool valid)
    {
        Assert.Equal(valid, EndpointText.TryValidateHostPort(text, out _));
    }
}
