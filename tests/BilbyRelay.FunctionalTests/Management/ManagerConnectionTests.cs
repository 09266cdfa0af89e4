using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using BilbyRelay.Core.Events;
using BilbyRelay.Management;

namespace BilbyRelay.FunctionalTests.Management;

public sealed class ManagerConnectionTests
{
    [Fact]
    public async Task FirstUrlSilent_ConnectTimesOutAndSecondUrlIsUsed()
    {
        await using var manager = await FakeManager.StartAsync();

        // Accepts TCP (the kernel completes the handshake) and then never says a word.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var silentUrl = new Uri($"wss://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/ws");
        var options = ManagerClientHarness.Options([silentUrl, manager.Url], manager.Fingerprint, connectTimeout: TimeSpan.FromMilliseconds(500));
        await using var harness = new ManagerClientHarness(options);

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        var failure = await harness.Log.WaitForEventIdAsync(5002);
        Assert.Contains(silentUrl.ToString(), failure.Message, StringComparison.Ordinal);
        Assert.Contains("no WebSocket connection within 0.5 s", failure.Message, StringComparison.Ordinal);
        var attempts = harness.Log.Entries.Where(e => e.EventId == 5000).Select(e => e.Message).ToArray();
        Assert.Equal($"Connecting to manager {silentUrl}", attempts[0]);
        Assert.Equal($"Connecting to manager {manager.Url}", attempts[1]);
    }

    [Fact]
    public async Task PinnedFingerprint_MatchingCertificateConnects()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options([manager.Url], manager.Fingerprint.ToUpperInvariant()));

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        await connection.ReceiveEventAsync("Connected to manager");
        Assert.Equal(new ManagerStatus(true, null, false, null), harness.Client.Status);
    }

    [Fact]
    public async Task PinnedFingerprint_OtherCertificateRefused()
    {
        await using var manager = await FakeManager.StartAsync();
        using var other = TestCertificates.CreateSelfSigned("someone-else");
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options([manager.Url], TestCertificates.Fingerprint(other)));

        harness.Client.Start();

        var failure = await harness.Log.WaitForEventIdAsync(5002);
        Assert.Contains("certificate fingerprint mismatch", failure.Message, StringComparison.Ordinal);
        Assert.Contains(manager.Fingerprint, failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, manager.ConnectionCount);
        Assert.False(harness.Client.Status.Connected);
        Assert.True(harness.Client.Status.Reconnecting);
    }

    [Fact]
    public async Task SelfSignedCertificate_WithoutPinOrInsecureFlag_Refused()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options([manager.Url], fingerprint: null));

        harness.Client.Start();

        var failure = await harness.Log.WaitForEventIdAsync(5002);
        Assert.Contains("certificate not trusted", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, manager.ConnectionCount);
    }

    [Fact]
    public async Task AcceptSelfSigned_WithoutEnvironmentFlag_RefusedWithDocumentedMessage()
    {
        await using var manager = await FakeManager.StartAsync();
        var options = ManagerClientHarness.Options([manager.Url], fingerprint: null, acceptSelfSigned: true);
        await using var harness = new ManagerClientHarness(options, environment: _ => null);

        const string Refusal = "accept_self_signed_cert requires BILBYCAST_ALLOW_INSECURE=1 in the environment";
        harness.Client.Start();

        // The fake manager's self-signed certificate cannot be verified: refused on every attempt, not only the
        // first, before anything is sent.
        var failure = await harness.Log.WaitForEventIdAsync(5002, count: 2);
        Assert.Contains(Refusal, failure.Message, StringComparison.Ordinal);
        Assert.StartsWith(Refusal, harness.Client.LastFailure, StringComparison.Ordinal);
        Assert.True(harness.Client.Status.Reconnecting);
        Assert.StartsWith(Refusal, harness.Client.Status.LastError, StringComparison.Ordinal);
        Assert.Equal(0, manager.ConnectionCount);
    }

    [Fact]
    public async Task AcceptSelfSigned_WithEnvironmentFlag_Connects()
    {
        await using var manager = await FakeManager.StartAsync();
        var options = ManagerClientHarness.Options([manager.Url], fingerprint: null, acceptSelfSigned: true);
        await using var harness = new ManagerClientHarness(options, environment: name => name == ManagerClientHarness.InsecureVariable ? "1" : null);

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        await connection.ReceiveEventAsync("Connected to manager");
    }

    [Fact]
    public async Task ConnectionLost_WarningEventAfterReconnect()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        var first = await manager.NextAuthenticatedConnectionAsync();
        await first.CloseAsync();

        var second = await manager.NextConnectionAsync();
        await second.AcceptAuthAsync();
        var lost = (await second.ReceiveEventAsync("Manager connection lost, reconnecting")).GetProperty("payload");
        Assert.Equal("warning", lost.GetProperty("severity").GetString());
        Assert.Equal("manager", lost.GetProperty("category").GetString());
        await second.ReceiveEventAsync("Connected to manager");

        second.Abort();
        var third = await manager.NextConnectionAsync();
        await third.AcceptAuthAsync();
        await third.ReceiveTypeAsync("event", m => m.GetProperty("payload").GetProperty("message").GetString()!
            .StartsWith("Manager connection lost, reconnecting: ", StringComparison.Ordinal));
        Assert.Equal(3, harness.Client.Counters.Sessions);
    }

    [Fact]
    public async Task EventsQueuedWhileManagerAway_DeliveredInOrderBeforeNewOnes()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        var first = await manager.NextAuthenticatedConnectionAsync();
        first.Abort();
        await harness.Log.WaitForEventIdAsync(5005);

        string[] away = [.. Enumerable.Range(1, 5).Select(i => $"Edge connected from 192.0.2.{i}:4000")];
        foreach (var text in away)
        {
            harness.Events.Raise(EventSeverity.Info, EventCategory.Edge, text);
        }

        var second = await manager.NextAuthenticatedConnectionAsync();

        var messages = second.Received
            .Where(m => m.GetProperty("type").GetString() == "event")
            .Select(m => m.GetProperty("payload").GetProperty("message").GetString()!)
            .ToList();
        Assert.Equal(away, messages.Where(m => m.StartsWith("Edge connected", StringComparison.Ordinal)));
        Assert.True(messages.FindIndex(m => m.StartsWith("Manager connection lost", StringComparison.Ordinal)) < messages.IndexOf(away[0]));
        Assert.Equal(messages.Count - 1, messages.IndexOf("Connected to manager"));
    }

    [Fact]
    public async Task StopAsync_FlushesQueuedEventsAndClosesNormally()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        var connection = await manager.NextAuthenticatedConnectionAsync();

        harness.Events.Raise(EventSeverity.Info, EventCategory.Edge, "last words");
        var stop = harness.Client.StopAsync(CancellationToken.None);
        await connection.ReceiveEventAsync("last words");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await connection.ReadUntilCloseAsync());
        await stop.WaitAsync(TestTimeouts.Default);

        Assert.False(harness.Client.Status.Reconnecting);
        Assert.Equal(1, manager.ConnectionCount);
    }

    [Fact]
    public async Task PingAndUnknownMessages_PongAndConnectionStaysUp()
    {
        await using var manager = await FakeManager.StartAsync();
        await using var harness = new ManagerClientHarness(ManagerClientHarness.Options(manager));

        harness.Client.Start();
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();
        await connection.SendAsync("""{"type":"from_a_newer_manager","timestamp":"2026-01-01T00:00:00Z","payload":{"x":1},"extra":true}""");
        await connection.SendAsync("this is not JSON");
        await connection.SendAsync("""{"type":"ping","timestamp":"2026-01-01T00:00:00Z","payload":{}}""");

        var pong = await connection.ReceiveTypeAsync("pong");
        Assert.Equal(JsonValueKind.Object, pong.GetProperty("payload").ValueKind);
        Assert.EndsWith("Z", pong.GetProperty("timestamp").GetString(), StringComparison.Ordinal);
        Assert.True(harness.Client.Status.Connected);
        Assert.Equal(1, manager.ConnectionCount);
    }
}
