using System.Net.Sockets;
using BilbyRelay.FunctionalTests.Infrastructure;

namespace BilbyRelay.LoadGen.Tests.Scenarios;

public sealed class NativeUdpScenarioTests
{
    [Fact]
    public async Task Udp_relay_measures_a_running_relays_native_plane_and_its_cpu()
    {
        var nativePort = ChildProcess.FreePort(ProtocolType.Udp);
        await using var relay = await PublishedRelay.StartAsync("--udp-relay-addrs", $"127.0.0.1:{nativePort}");

        var report = await NativeUdpScenario.MeasureAsync(Options.Parse(
        [
            "--udp-relay", $"127.0.0.1:{nativePort}", "--relay-pid", relay.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--relay-only", "--seconds", "0.5", "--window", "32",
        ]));

        Assert.True(report.Figures["native_udp_relay_dgram_per_s"] > 0, "no datagram came back through the relay");
        Assert.InRange(report.Figures["native_udp_relay_loss_pct"], 0, 100);
        Assert.True(report.Figures["native_udp_relay_cpu_us_per_dgram"] > 0, "the relay's CPU was not measured");
        Assert.DoesNotContain(report.Figures.Keys, name => name.Contains("forwarder", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Udp_relay_that_is_not_an_address_is_a_clear_error()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => NativeUdpScenario.MeasureAsync(Options.Parse(["--udp-relay", "nowhere"])));

        Assert.Contains("nowhere", error.Message, StringComparison.Ordinal);
    }
}
