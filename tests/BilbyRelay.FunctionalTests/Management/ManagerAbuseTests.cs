using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using Xunit.Abstractions;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>A manager that sends 100 MB: as one message (closed with 1009, reconnect) or as many (memory stays flat).</summary>
public sealed class ManagerAbuseTests(ITestOutputHelper output)
{
    private const long HundredMegabytes = 100L * 1024 * 1024;

    [Fact]
    public async Task OneHundredMegabyteMessage_IsClosedWith1009AfterTheCap_AndTheLinkReconnects()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));
        harness.Client.Start();
        var first = await manager.NextAuthenticatedConnectionAsync();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        var fragment = Encoding.ASCII.GetBytes("{\"type\":\"command\",\"payload\":{\"padding\":\"" + new string('p', 64 * 1024));
        var sent = 0L;
        var closed = first.ReadUntilCloseAsync();
        try
        {
            while (sent < HundredMegabytes && !closed.IsCompleted)
            {
                await first.SendFragmentAsync(fragment, endOfMessage: false);
                sent += fragment.Length;
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // The relay closed the connection while the message was still arriving.
        }

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await closed);
        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        output.WriteLine($"one message: closed with 1009 after {sent / 1024} KiB of {HundredMegabytes / 1024 / 1024} MiB sent; managed heap growth {heapGrowth / 1024} KiB");
        Assert.True(sent < 16L * 1024 * 1024, $"the relay read {sent} bytes of one message");

        var second = await manager.NextConnectionAsync();
        await second.AcceptAuthAsync();
        var lost = await second.ReceiveTypeAsync("event", m => m.GetProperty("payload").GetProperty("message").GetString()!
            .StartsWith("Manager connection lost, reconnecting: ", StringComparison.Ordinal));
        Assert.Contains("exceeds 1048576 bytes", lost.GetProperty("payload").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneHundredMegabytesOfCommands_AreHandledOneAtATime_AndMemoryStaysFlat()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));
        harness.Client.Start();
        var connection = await manager.NextAuthenticatedConnectionAsync();

        // Pings padded to 64 KiB: each is parsed and answered with a pong, so every byte goes through the relay.
        var ping = "{\"type\":\"ping\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"payload\":{\"padding\":\"" + new string('p', 64 * 1024) + "\"}}";
        var messages = (int)(HundredMegabytes / ping.Length);
        var pongs = 0;
        var reader = Task.Run(async () =>
        {
            while (pongs < messages)
            {
                var message = await connection.ReceiveAsync();
                if (message.GetProperty("type").GetString() == "pong")
                {
                    pongs++;
                }
            }
        });

        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long peakGrowth = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < messages; i++)
        {
            await connection.SendAsync(ping);
            if (i % 200 == 199)
            {
                peakGrowth = Math.Max(peakGrowth, GC.GetTotalMemory(forceFullCollection: true) - heapBefore);
            }
        }

        await reader.WaitAsync(TestTimeouts.Default);
        connection.Received.Clear();
        peakGrowth = Math.Max(peakGrowth, GC.GetTotalMemory(forceFullCollection: true) - heapBefore);
        output.WriteLine($"many messages: {messages} x {ping.Length / 1024} KiB in {clock.Elapsed.TotalSeconds:F1} s, {pongs} pongs; peak managed heap growth {peakGrowth / 1024} KiB");
        Assert.Equal(messages, pongs);
        Assert.True(peakGrowth < 16L * 1024 * 1024, $"the managed heap grew by {peakGrowth} bytes");
        Assert.True(harness.Client.Status.Connected);
    }
}
