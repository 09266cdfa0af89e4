using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>Awaits the next message on one of an edge's two paths and checks what it is.</summary>
internal static class EdgeExpectations
{
    /// <summary>The next reply on the control stream must be <paramref name="type"/> for <paramref name="tunnelId"/>.</summary>
    public static async Task<EdgeMessage> ExpectControlAsync(this SimulatedEdge edge, string type, Guid tunnelId, string? reason = null)
    {
        var message = await edge.ReceiveControlAsync(TestTimeouts.Token());
        AssertMessage(message, type, tunnelId, reason);
        return message;
    }

    /// <summary>The next notification (relay-opened unidirectional stream) must be <paramref name="type"/> for <paramref name="tunnelId"/>.</summary>
    public static async Task<EdgeMessage> ExpectNotificationAsync(this SimulatedEdge edge, string type, Guid tunnelId, string? reason = null)
    {
        var message = await edge.ReceiveNotificationAsync(TestTimeouts.Token());
        AssertMessage(message, type, tunnelId, reason);
        return message;
    }

    /// <summary>
    /// Sends <c>ping</c> and requires <c>pong</c> as the very next control reply: proves the relay
    /// processed everything sent before it and queued no other reply in between.
    /// </summary>
    public static async Task ExpectPongAsync(this SimulatedEdge edge)
    {
        await edge.PingAsync();
        var reply = await edge.ReceiveControlAsync(TestTimeouts.Token());
        Assert.True(reply.Type == "pong", $"expected pong, got {reply}");
    }

    private static void AssertMessage(EdgeMessage message, string type, Guid tunnelId, string? reason)
    {
        Assert.True(message.Type == type, $"expected {type} for {tunnelId}, got {message}");
        Assert.Equal(tunnelId.ToString("D"), message.TunnelId);
        if (reason is not null)
        {
            Assert.Equal(reason, message.Reason);
        }
    }
}
