using BilbyRelay.Core.Metrics;
using BilbyRelay.Core.Tests.Fakes;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Core.Tests.Metrics;

public class MetricsTests
{
    [Fact]
    public async Task StripedCounter_SumsAllThreads()
    {
        var counter = new StripedCounter();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                counter.Add(3);
            }
        })));

        Assert.Equal(8 * 100_000 * 3L, counter.Value);
    }

    [Fact]
    public void StripedCounter_AddAllocatesNothing()
    {
        var counter = new StripedCounter();
        counter.Increment();
        long allocated = AllocationMeter.MinimumBytesPerRound(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                counter.Increment();
            }
        });

        Assert.Equal(0, allocated);
        Assert.Equal(1 + (10_000 * AllocationMeter.TotalRounds), counter.Value);
    }

    [Fact]
    public void BandwidthSampler_BitsPerSecondOverTheInterval()
    {
        var time = new ManualTimeProvider();
        var sampler = new BandwidthSampler(time, 0);
        Assert.Equal(0, sampler.BitsPerSecond);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(8_000, sampler.Sample(1_000));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4_000, sampler.Sample(2_000));
        Assert.Equal(4_000, sampler.BitsPerSecond);

        // A second sample within 0.1 s keeps the previous figure.
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(4_000, sampler.Sample(1_000_000));
    }

    [Fact]
    public void RelayMetrics_DropCountersByReason()
    {
        var metrics = new RelayMetrics();
        metrics.DatagramDropped(DatagramDropReason.NoPeer);
        metrics.DatagramDropped(DatagramDropReason.NoPeer);
        metrics.StreamRefused(StreamRefusalReason.OversizedHeader);

        Assert.Equal(2, metrics.GetDatagramDrops(DatagramDropReason.NoPeer));
        Assert.Equal(0, metrics.GetDatagramDrops(DatagramDropReason.TooShort));
        Assert.Equal(1, metrics.GetStreamRefusals(StreamRefusalReason.OversizedHeader));
        Assert.Equal("peer_queue_full", DatagramDropReason.PeerQueueFull.ToLabel());
        Assert.Equal("oversized_header", StreamRefusalReason.OversizedHeader.ToLabel());
    }

    [Fact]
    public void RelayMetrics_PeaksOnlyRise()
    {
        var metrics = new RelayMetrics();
        metrics.ConnectionAdmitted(3);
        metrics.ConnectionAdmitted(2);
        metrics.ActiveTunnelsChanged(5);
        metrics.ActiveTunnelsChanged(1);

        Assert.Equal(2, metrics.ConnectionsTotal);
        Assert.Equal(3, metrics.PeakEdges);
        Assert.Equal(5, metrics.PeakTunnels);
    }
}
