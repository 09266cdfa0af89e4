using System.IO.Pipelines;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>Awaits the next message on one of an edge's two paths and checks what it is; opens streams the relay is expected to refuse.</summary>
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

    public static Task<QuicStream> OpenRefusableStreamAsync(this SimulatedEdge edge, byte[] header) =>
        edge.OpenRefusableStreamAsync(output => EdgeFraming.WriteFrameAsync(output, header, TestTimeouts.Token()));

    /// <summary>
    /// Opens a stream and writes its first bytes. The relay's refusal (STOP_SENDING, then RESET_STREAM) may overtake
    /// the write's own flush; that refusal is the behaviour under test, so it is accepted whenever it lands, and
    /// a test still fails if the relay never refuses: its read of the stream sees no reset.
    /// </summary>
    public static async Task<QuicStream> OpenRefusableStreamAsync(this SimulatedEdge edge, Func<PipeWriter, ValueTask> write)
    {
        var stream = await edge.Connection.OpenStreamAsync(bidirectional: true, TestTimeouts.Token());
        try
        {
            await write(stream.Output);
        }
        catch (QuicStreamAbortedException stopped) when (stopped.Kind == QuicStreamAbortKind.StopSending)
        {
        }

        return stream;
    }
}
