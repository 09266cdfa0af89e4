using System.Net;
using System.Text.Json;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>
/// <c>accept_self_signed_cert = true</c> without <c>BILBYCAST_ALLOW_INSECURE=1</c>: the published relay
/// still starts and serves edges, never authenticates to a manager whose certificate it cannot verify (the fake
/// manager's is self-signed), logs why naming the variable, and <c>/health</c>'s manager block carries the same reason.
/// </summary>
public sealed class PublishedBinaryInsecureManagerTests
{
    private const string Refusal = "accept_self_signed_cert requires BILBYCAST_ALLOW_INSECURE=1 in the environment";

    [Fact]
    public async Task SelfSignedWithoutOptIn_RelayServesEdges_ManagerRefusedWithTheReasonInLogAndHealth()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        var config = directory.WriteFile("relay.toml", $"""
            [manager]
            enabled = true
            urls = ["{manager.Url}"]
            node_id = "node-1"
            node_secret = "secret-1"
            accept_self_signed_cert = true
            """);

        await using var relay = await PublishedRelay.StartAsync("--config", config);

        var refused = await relay.WaitForLogLineAsync(line => line.Contains(Refusal, StringComparison.Ordinal) && line.Contains(manager.Url.ToString(), StringComparison.Ordinal));
        Assert.Contains("Manager connection attempt", refused, StringComparison.Ordinal);

        await using (var edge = await SimulatedEdge.ConnectAsync(relay.Endpoint, null, Infrastructure.TestTimeouts.Token()))
        {
            await edge.HelloAsync(1, "edge-insecure-manager");
            var reply = await edge.ReceiveControlAsync(Infrastructure.TestTimeouts.Token());
            Assert.True(reply.Type == "hello_ack", $"expected hello_ack, got {reply}");
        }

        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        using var response = await http.GetAsync(new Uri($"http://{relay.ApiEndpoint}/health"), Infrastructure.TestTimeouts.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var link = body.RootElement.GetProperty("manager");
        Assert.False(link.GetProperty("connected").GetBoolean());
        Assert.True(link.GetProperty("reconnecting").GetBoolean());
        Assert.StartsWith(Refusal, link.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, manager.ConnectionCount);
    }
}
