using BilbyRelay.Core.Events;
using BilbyRelay.Core.Protocol;
using BilbyRelay.Core.Tests.Fakes;

namespace BilbyRelay.Core.Tests.Relay;

public class ConnectionLimitTests
{
    [Fact]
    public async Task PerIpCap_ExcessClosedAtOnceWithEvent()
    {
        await using var relay = new RelayHarness(maxConnectionsPerIp: 2);
        var first = relay.ConnectWithControl("198.51.100.7");
        var second = relay.ConnectWithControl("198.51.100.7");
        await first.PingAsync();
        await second.PingAsync();

        var third = relay.Connect("198.51.100.7");
        await third.RunTask.WaitAsync(TestTimeouts.Operation);

        Assert.Equal(RelayErrorCodes.ConnectionLimitExceeded, third.Connection.CloseInfo!.Value.Code);
        var rejected = Assert.Single(relay.DrainEvents(), e => e.Message.StartsWith("Connection rejected", StringComparison.Ordinal));
        Assert.Equal("Connection rejected: per-IP cap exceeded (2 active from 198.51.100.7)", rejected.Message);
        Assert.Equal(EventCategory.Edge, rejected.Category);
        Assert.Equal(EventSeverity.Warning, rejected.Severity);
        Assert.Equal(2, relay.Relay.ConnectedEdges);
        Assert.Equal(2, relay.Relay.Metrics.ConnectionsTotal);
        Assert.Equal(1, relay.Relay.Metrics.ConnectionsRejected);

        // Another address is unaffected; a freed place can be taken again.
        var other = relay.ConnectWithControl("198.51.100.8");
        await other.PingAsync();
        first.Edge.Disconnect();
        await first.RunTask.WaitAsync(TestTimeouts.Operation);
        var fourth = relay.ConnectWithControl("198.51.100.7");
        await fourth.PingAsync();
        Assert.False(fourth.Connection.IsClosed);
    }

    [Fact]
    public async Task PerIpCap_MappedIpv4CountsAsIpv4()
    {
        await using var relay = new RelayHarness(maxConnectionsPerIp: 1);
        var v4 = relay.ConnectWithControl("203.0.113.9");
        await v4.PingAsync();
        var mapped = relay.Connect("::ffff:203.0.113.9");
        await mapped.RunTask.WaitAsync(TestTimeouts.Operation);
        Assert.Equal(RelayErrorCodes.ConnectionLimitExceeded, mapped.Connection.CloseInfo!.Value.Code);
    }
}
