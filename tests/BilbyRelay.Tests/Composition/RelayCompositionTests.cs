using BilbyRelay.Composition;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;

namespace BilbyRelay.Tests.Composition;

public sealed class RelayCompositionTests
{
    [Fact]
    public void Build_StartsTheDataPlanesThenTheStatsEndpointBeforeAnythingElse()
    {
        // The host starts components in list order and reports readiness after the last one, and the stats
        // endpoint answers /health as soon as it is bound: so edges must already be able to reach the QUIC listener
        // (and the native UDP plane) by then, and nothing that does not serve should delay the listeners.
        using var lifetime = new RelayLifetime(Logger.Null);
        var names = RelayComposition.Build(new RelayConfig(), Logger.Null, lifetime).Select(c => c.Name).ToList();

        Assert.Equal(["quic", "udp-relay", "stats"], names.Take(3));
        Assert.Contains("bandwidth", names);
    }
}
