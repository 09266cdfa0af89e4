using System.Diagnostics;
using System.Net;
using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.LoadGen;

/// <summary>What the soak's load is made of; every figure has an option (see Help).</summary>
public sealed record SoakLoadSettings
{
    /// <summary>Bytes each way of every stream on the long-lived TCP tunnel.</summary>
    public long StreamBytes { get; init; } = 4 << 20;

    /// <summary>Seconds from the start of one long-lived-tunnel stream to the start of the next.</summary>
    public double StreamInterval { get; init; } = 1;

    /// <summary>Datagrams per second on the long-lived UDP tunnel.</summary>
    public int DatagramRate { get; init; } = 1000;

    public int DatagramPayload { get; init; } = 1200;

    /// <summary>Workers that each connect two edges, bind, transfer, vanish and start again.</summary>
    public int ChurnWorkers { get; init; } = 4;

    /// <summary>Seconds from the start of one churn cycle of a worker to the start of its next.</summary>
    public double ChurnPeriod { get; init; } = 5;

    public long ChurnStreamBytes { get; init; } = 1 << 20;

    public int ChurnDatagrams { get; init; } = 100;
}

/// <summary>
/// The soak's traffic against one relay: a long-lived pair of edges with a TCP tunnel (a verified stream each way every
/// <see cref="SoakLoadSettings.StreamInterval"/>) and a UDP tunnel (paced sequence-numbered datagrams), and churn workers
/// whose edges connect, bind a TCP and a UDP tunnel, move verified bytes and datagrams, then vanish without
/// CONNECTION_CLOSE and reconnect as new edges.
/// </summary>
public sealed class SoakLoad(IPEndPoint relay, SoakLoadSettings settings)
{
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _failures = [];
    private long _churnCycles;
    private long _edgesVanished;
    private long _tcpStreams;
    private long _tcpBytesVerified;
    private long _byteErrors;
    private long _transferFailures;
    private long _datagramsSent;
    private long _datagramsReceived;
    private SimulatedEdge? _stableIngress;
    private SimulatedEdge? _stableEgress;
    private Task _running = Task.CompletedTask;

    public long ChurnCycles => Interlocked.Read(ref _churnCycles);

    public long EdgesVanished => Interlocked.Read(ref _edgesVanished);

    public long TcpStreams => Interlocked.Read(ref _tcpStreams);

    public long TcpBytesVerified => Interlocked.Read(ref _tcpBytesVerified);

    /// <summary>Bytes that arrived wrong, were missing or were in excess on a TCP tunnel.</summary>
    public long ByteErrors => Interlocked.Read(ref _byteErrors);

    /// <summary>Churn cycles or long-lived streams that failed (connect, bind, stream error, timeout) while both edges were up.</summary>
    public long TransferFailures => Interlocked.Read(ref _transferFailures);

    public long DatagramsSent => Interlocked.Read(ref _datagramsSent);

    public long DatagramsReceived => Interlocked.Read(ref _datagramsReceived);

    /// <summary>The first few failures, for the report.</summary>
    public IReadOnlyList<string> Failures
    {
        get
        {
            lock (_failures)
            {
                return [.. _failures];
            }
        }
    }

    /// <summary>Connects the long-lived pair and binds its tunnels, then starts every load loop.</summary>
    public async Task StartAsync()
    {
        using var cts = new CancellationTokenSource(s_stepTimeout);
        var tcp = Guid.NewGuid();
        var udp = Guid.NewGuid();
        _stableEgress = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions { DatagramObserver = CountDatagram }, cts.Token).ConfigureAwait(false);
        _stableIngress = await SimulatedEdge.ConnectAsync(relay, null, cts.Token).ConfigureAwait(false);
        await SoakEdges.BindAsync(_stableEgress, tcp, udp, "egress", cts.Token).ConfigureAwait(false);
        await SoakEdges.BindAsync(_stableIngress, tcp, udp, "ingress", cts.Token).ConfigureAwait(false);
        var datagrams = Task.Factory.StartNew(() => SendDatagrams(_stableIngress, udp), TaskCreationOptions.LongRunning);
        var streams = Task.Run(() => StreamLoopAsync(_stableIngress, _stableEgress, tcp));
        var churn = Enumerable.Range(0, settings.ChurnWorkers).Select(i => Task.Run(() => ChurnLoopAsync(i)));
        _running = Task.WhenAll([datagrams, streams, .. churn]);
    }

    /// <summary>Stops every loop after its current step and closes the long-lived edges cleanly.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _running.ConfigureAwait(false);
        foreach (var edge in new[] { _stableIngress, _stableEgress })
        {
            if (edge is not null)
            {
                await edge.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void CountDatagram(ReadOnlySpan<byte> datagram) => Interlocked.Increment(ref _datagramsReceived);

    private void Fail(string what, Exception e)
    {
        Interlocked.Increment(ref _transferFailures);
        lock (_failures)
        {
            if (_failures.Count < 20)
            {
                _failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine($"  soak: {what} failed: {e.Message}");
            }
        }
    }

    private void Verified(long bytes, long errors)
    {
        Interlocked.Increment(ref _tcpStreams);
        Interlocked.Add(ref _tcpBytesVerified, 2 * bytes);
        if (errors > 0)
        {
            Interlocked.Add(ref _byteErrors, errors);
            Console.Error.WriteLine($"  soak: {errors} byte errors on one stream");
        }
    }

    /// <summary>Paced in 10 ms steps on its own thread (sleeping, never spinning: the machine may be shared).</summary>
    private void SendDatagrams(SimulatedEdge ingress, Guid tunnel)
    {
        var payload = new byte[settings.DatagramPayload];
        var start = Stopwatch.GetTimestamp();
        long sequence = 0;
        while (!_stop.IsCancellationRequested)
        {
            var due = (long)(settings.DatagramRate * Stopwatch.GetElapsedTime(start).TotalSeconds);
            for (; sequence < due; sequence++)
            {
                BitConverter.TryWriteBytes(payload, sequence);
                if (ingress.SendDatagram(tunnel, payload))
                {
                    Interlocked.Increment(ref _datagramsSent);
                }
            }

            Thread.Sleep(10);
        }
    }

    private async Task StreamLoopAsync(SimulatedEdge ingress, SimulatedEdge egress, Guid tunnel)
    {
        ulong seed = 1;
        while (!_stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var cts = new CancellationTokenSource(s_stepTimeout);
                Verified(settings.StreamBytes, await SoakEdges.RoundTripAsync(ingress, egress, tunnel, settings.StreamBytes, seed++, cts.Token).ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail("long-lived tunnel stream", e);
            }

            await PauseUntilAsync(started, settings.StreamInterval).ConfigureAwait(false);
        }
    }

    private async Task ChurnLoopAsync(int worker)
    {
        var seed = (ulong)(worker + 1) << 40;
        while (!_stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await ChurnOnceAsync(seed++).ConfigureAwait(false);
                Interlocked.Increment(ref _churnCycles);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail($"churn worker {worker}", e);
            }

            await PauseUntilAsync(started, settings.ChurnPeriod).ConfigureAwait(false);
        }
    }

    /// <summary>Connect two edges, bind, move verified bytes and datagrams, then both vanish without CONNECTION_CLOSE.</summary>
    private async Task ChurnOnceAsync(ulong seed)
    {
        using var cts = new CancellationTokenSource(s_stepTimeout);
        var received = 0;
        var expected = int.MaxValue;
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var egressOptions = new SimulatedEdgeOptions
        {
            OwnSocket = true,
            DatagramObserver = _ =>
            {
                Interlocked.Increment(ref _datagramsReceived);
                if (Interlocked.Increment(ref received) >= Volatile.Read(ref expected))
                {
                    allArrived.TrySetResult();
                }
            },
        };
        var edges = new List<SimulatedEdge>();
        try
        {
            var egress = await SimulatedEdge.ConnectAsync(relay, egressOptions, cts.Token).ConfigureAwait(false);
            edges.Add(egress);
            var ingress = await SimulatedEdge.ConnectAsync(relay, new SimulatedEdgeOptions { OwnSocket = true }, cts.Token).ConfigureAwait(false);
            edges.Add(ingress);
            var tcp = Guid.NewGuid();
            var udp = Guid.NewGuid();
            await SoakEdges.BindAsync(egress, tcp, udp, "egress", cts.Token).ConfigureAwait(false);
            await SoakEdges.BindAsync(ingress, tcp, udp, "ingress", cts.Token).ConfigureAwait(false);
            Verified(settings.ChurnStreamBytes, await SoakEdges.RoundTripAsync(ingress, egress, tcp, settings.ChurnStreamBytes, seed, cts.Token).ConfigureAwait(false));

            var payload = new byte[settings.DatagramPayload];
            var sent = 0;
            for (var i = 0; i < settings.ChurnDatagrams; i++)
            {
                BitConverter.TryWriteBytes(payload, (long)i);
                sent += ingress.SendDatagram(udp, payload) ? 1 : 0;
            }

            Interlocked.Add(ref _datagramsSent, sent);
            Volatile.Write(ref expected, sent);
            if (Volatile.Read(ref received) >= sent)
            {
                allArrived.TrySetResult();
            }

            // Lost datagrams are counted, not waited for: give the rest a moment to arrive, then move on.
            await allArrived.Task.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            foreach (var edge in edges)
            {
                await SoakEdges.VanishAsync(edge).ConfigureAwait(false);
                Interlocked.Increment(ref _edgesVanished);
                await edge.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task PauseUntilAsync(long started, double periodSeconds)
    {
        var remaining = TimeSpan.FromSeconds(periodSeconds) - Stopwatch.GetElapsedTime(started);
        if (remaining > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(remaining, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
