using BilbyRelay.FunctionalTests.Infrastructure;
using BilbyRelay.LoadGen;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.LoadGen.Tests.Soak;

/// <summary>A short soak of the published relay binary: the whole scenario, churn and cleanup included.</summary>
public sealed class SoakRunTests
{
    [Fact]
    public async Task TwentySecondSoak_MovesExactBytesAndCleansUpVanishedEdges()
    {
        using var results = new TempFilesDirectory();
        var config = new SoakConfig
        {
            RelayBinary = PublishedRelay.FindBinary(),
            Duration = TimeSpan.FromSeconds(20),
            ResultsDirectory = results.Path,
            SampleInterval = TimeSpan.FromMilliseconds(250),
            IdleTimeoutSecs = 3,
            KeepAliveIntervalSecs = 1,
            Load = new SoakLoadSettings { ChurnWorkers = 2, ChurnPeriod = 1, StreamBytes = 1 << 20, DatagramRate = 500 },
        };

        var result = await SoakScenario.ExecuteAsync(config);

        Assert.True(result.Crashes == 0, result.Describe());
        Assert.True(result.ByteErrors == 0 && result.TransferFailures == 0, result.Describe());
        Assert.True(result.TcpStreams > 20, result.Describe());
        Assert.True(result.DatagramsReceived > 0, result.Describe());
        Assert.True(result.EdgesVanished >= 20, result.Describe());

        // Vanished edges were dropped while the run went on: the relay never held all of them at once...
        Assert.All(result.Samples, s => Assert.True(s.GcHeapMiB > 0, $"GC heap {s.GcHeapMiB} MiB at {s.Seconds} s"));
        var mostHeld = result.Samples.Max(s => s.EdgesConnected);
        Assert.True(mostHeld > 2, $"no churned edge was ever seen connected:\n{result.Describe()}");
        Assert.True(mostHeld < 2 + result.EdgesVanished, $"the relay held {mostHeld} edges, every vanished one:\n{result.Describe()}");

        // ...and once the load stopped, nothing was left.
        Assert.True(result.CleanedUp, result.Describe());
        Assert.Equal(0, result.EdgesLeft);
        Assert.Equal(0, result.TunnelsLeft);

        var written = SoakSample.ReadAll(await File.ReadAllTextAsync(Path.Combine(results.Path, "samples.json")));
        Assert.Equal(result.Samples.Count, written.Count);
        Assert.True(File.Exists(Path.Combine(results.Path, "samples.csv")));
    }
}
