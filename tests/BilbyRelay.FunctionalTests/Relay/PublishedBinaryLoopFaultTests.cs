using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using BilbyRelay.Edges;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.FunctionalTests.Relay;

/// <summary>The published binary's reaction to a dead QUIC loop, triggered through its documented test hook.</summary>
public sealed class PublishedBinaryLoopFaultTests
{
    private const PosixSignal Sigusr1 = (PosixSignal)10;

    private static readonly HttpClient Http = new() { Timeout = TestTimeouts.Default };

    [Fact]
    public async Task PublishedBinary_LoopFault_IsLoggedAsAnError_HealthNoLongerSaysOk_AndTheProcessExitsOne()
    {
        await using var relay = await PublishedRelay.StartAsync(new Dictionary<string, string> { [LoopFaultInjectionComponent.EnvironmentVariable] = "1" });
        var health = new Uri($"http://{relay.ApiEndpoint}/health");
        await relay.WaitForLogLineAsync(line => line.Contains("[2903]", StringComparison.Ordinal));
        using (var healthy = await Http.GetAsync(health, TestTimeouts.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        relay.Signal(Sigusr1);

        var reason = $"QUIC loop on {relay.Endpoint} failed: fault injected on SIGUSR1 ({LoopFaultInjectionComponent.EnvironmentVariable})";
        var faultLine = await relay.WaitForLogLineAsync(line => line.Contains("[2902]", StringComparison.Ordinal));
        Assert.Contains(" error ", faultLine, StringComparison.Ordinal);
        Assert.Contains(reason, faultLine, StringComparison.Ordinal);

        // The stats endpoint stops within moments of the fault, so it may already be gone; while it answers, it must
        // answer 503 with the reason.
        HttpResponseMessage? afterFault = null;
        try
        {
            afterFault = await Http.GetAsync(health, TestTimeouts.Token());
        }
        catch (HttpRequestException)
        {
        }

        if (afterFault is not null)
        {
            using (afterFault)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, afterFault.StatusCode);
                using var body = JsonDocument.Parse(await afterFault.Content.ReadAsStringAsync());
                Assert.Equal(reason, body.RootElement.GetProperty("failure").GetProperty("reason").GetString());
            }
        }

        var exitCode = await relay.WaitForExitAsync();
        Assert.True(exitCode == 1, $"exit code {exitCode} after a loop fault; log:\n{relay.Log}");
        Assert.Contains("Relay stopped (exit code 1)", relay.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("did not stop within the grace period", relay.Log, StringComparison.Ordinal);
    }
}
