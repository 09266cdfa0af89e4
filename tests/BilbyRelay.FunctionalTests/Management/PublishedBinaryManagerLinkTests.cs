using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.FunctionalTests.Management;

/// <summary>
/// The manager link of the published native executable, against the fake manager (pinned by fingerprint): the first
/// frame after authentication is <c>health</c>, which reports the ports actually bound when port 0 was configured;
/// <c>/api/v1/stats</c> carries the link's state and <c>/metrics</c> its two gauges; OpenSSL is never loaded.
/// </summary>
public sealed class PublishedBinaryManagerLinkTests
{
    private const string ApiToken = "published-manager-token";

    [Fact]
    public async Task PublishedBinary_HealthFirst_WithTheBoundAddresses_AndTheLinkInStatsAndMetrics()
    {
        await using var manager = await FakeManager.StartAsync();
        using var directory = new TempFilesDirectory();
        var config = directory.WriteFile("relay.toml", $"""
            api_token = "{ApiToken}"

            [manager]
            enabled = true
            urls = ["{manager.Url}"]
            node_id = "node-1"
            node_secret = "secret-1"
            cert_fingerprint = "{manager.Fingerprint}"
            """);

        await using var relay = await PublishedRelay.StartAsync("--config", config);
        var connection = await manager.NextConnectionAsync();
        await connection.AcceptAuthAsync();

        var first = await connection.ReceiveAsync();
        Assert.Equal("health", first.GetProperty("type").GetString());
        var payload = first.GetProperty("payload");
        Assert.NotEqual(0, relay.Endpoint.Port);
        Assert.Equal(relay.Endpoint.ToString(), payload.GetProperty("quic_addr").GetString());
        Assert.Equal(relay.ApiEndpoint.ToString(), payload.GetProperty("api_addr").GetString());

        // "Connected to manager" follows the health report on the link.
        await connection.ReceiveEventAsync("Connected to manager");

        using var http = new HttpClient { Timeout = TestTimeouts.Default };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        using (var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://{relay.ApiEndpoint}/api/v1/stats"), Infrastructure.TestTimeouts.Token())))
        {
            var link = stats.RootElement.GetProperty("manager");
            Assert.True(link.GetProperty("connected").GetBoolean());
            Assert.Equal(0, link.GetProperty("disconnected_secs").GetInt64());
        }

        var metrics = (await http.GetStringAsync(new Uri($"http://{relay.ApiEndpoint}/metrics"), Infrastructure.TestTimeouts.Token())).Split('\n');
        Assert.Contains("bilbycast_relay_manager_connected 1", metrics);
        Assert.Contains("bilbycast_relay_manager_disconnected_seconds 0", metrics);
        Assert.False(relay.HasExited, $"the relay exited; its log:\n{relay.Log}");

        // The link's TLS is GnuTLS's, the library QUIC uses: no second TLS stack is loaded for it.
        var libraries = await relay.MappedLibrariesAsync();
        Assert.Contains(libraries, name => name.StartsWith("libgnutls.so", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, name => name.StartsWith("libssl.so", StringComparison.Ordinal) || name.StartsWith("libcrypto.so", StringComparison.Ordinal));
    }
}
