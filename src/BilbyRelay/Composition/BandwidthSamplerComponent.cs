using BilbyRelay.Core.Relay;
using BilbyRelay.Hosting;

namespace BilbyRelay.Composition;

/// <summary>
/// Ticks the relay's bandwidth figure once a second (the interval `total_bandwidth_bps` is defined
/// over). A timer rather than sampling on read, so every reader sees the same interval.
/// </summary>
internal sealed class BandwidthSamplerComponent(RelayServer relay, TimeProvider time) : IRelayComponent
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public string Name => "bandwidth";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                relay.SampleBandwidth();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
