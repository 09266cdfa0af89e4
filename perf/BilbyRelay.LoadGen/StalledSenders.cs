using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using BilbyRelay.EdgeSimulator;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen;

/// <summary>
/// <c>stalled-senders</c>: the sending side of the stalled probe, in its own process. Each sender is one edge that
/// binds a stalled tunnel and a second tunnel as ingress, prints <c>STALLING</c>, writes into --streams streams of the
/// stalled tunnel as fast as QUIC allows for --seconds and on until no write has completed for a second (every sender
/// blocked; at most --settle-seconds more), with --datagrams then floods the stalled tunnels with datagrams for
/// --dgram-seconds, then (the stall still in place) sends a <c>ping</c> and moves
/// --second-bytes through a new stream of its second tunnel. Prints <c>RESULT {json}</c> and stays connected until
/// SIGTERM, so the relay keeps holding what it accepted until the parent lets the edges leave.
/// </summary>
public static class StalledSenders
{
    /// <summary>
    /// Each stream's own send buffer. Kept small so that what a sender counts as written (its flushes that completed)
    /// is within this much per stream of what the relay acknowledged.
    /// </summary>
    public const long SendBufferPerStream = 256 * 1024;

    private const int WriteChunk = 64 * 1024;

    /// <summary>No completed write for this long means every stalled stream is blocked by the relay's flow control.</summary>
    private const long QuietMillisecondsWhenBlocked = 1000;
    private static readonly TimeSpan s_bindTimeout = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(Options options)
    {
        var relay = options.EndPoint("relay") ?? throw new ArgumentException("--relay ip:port is required");
        var stalledTunnels = TunnelBinding.Parse(options, "stalled-tunnels");
        var secondTunnels = TunnelBinding.Parse(options, "second-tunnels");
        if (stalledTunnels.Length != secondTunnels.Length)
        {
            throw new ArgumentException("--stalled-tunnels and --second-tunnels must name as many tunnels");
        }

        var streams = options.Int("streams", 8);
        var stallSeconds = options.Double("seconds", 10);
        var settleSeconds = options.Double("settle-seconds", 20);
        var probeTimeout = TimeSpan.FromSeconds(options.Double("probe-timeout", 5));
        var edgeOptions = new SimulatedEdgeOptions { Transport = new QuicTransportSettings { StreamSendBufferLimit = SendBufferPerStream } };
        var edges = new List<SimulatedEdge>();
        try
        {
            for (var i = 0; i < stalledTunnels.Length; i++)
            {
                var edge = await SimulatedEdge.ConnectAsync(relay, edgeOptions).ConfigureAwait(false);
                edges.Add(edge);
                await TunnelBinding.BindAllAsync(edge, [stalledTunnels[i], secondTunnels[i]], "ingress", peerBound: true, s_bindTimeout).ConfigureAwait(false);
            }

            Console.WriteLine("STALLING");
            var result = new StalledSendersResult();
            using (var stop = new CancellationTokenSource())
            {
                var clock = new WriteClock();
                var writing = Task.WhenAll(edges.Select((edge, i) => WriteStreamsAsync(edge, stalledTunnels[i], streams, clock, stop.Token)));
                result.AllBlocked = await WaitUntilBlockedAsync(clock, stallSeconds, settleSeconds).ConfigureAwait(false);
                result.WriteSeconds = clock.Elapsed.TotalSeconds;
                result.LastWriteSeconds = clock.LastWriteSeconds;
                await stop.CancelAsync().ConfigureAwait(false);
                var written = await writing.ConfigureAwait(false);
                result.AcceptedBytes = written.Select(w => w.Bytes).ToArray();
                result.StreamErrors = written.Sum(w => w.Errors);
            }

            // Only once the streams hold what the relay let them send: sent alongside, the flood takes the senders' own
            // loop and congestion window and the streams never fill, so the budget would never be tested under both.
            if (options.Has("datagrams"))
            {
                (result.DatagramsAccepted, result.DatagramsRefused) = await DatagramFlood.StartAsync(
                    edges, stalledTunnels, options.Int("payload", 1316), options.Double("dgram-seconds", 5)).ConfigureAwait(false);
            }

            // Nothing the receivers hold has been read: the stall is still in place for both probes.
            result.PongMs = await Task.WhenAll(edges.Select(edge => PingAsync(edge, probeTimeout))).ConfigureAwait(false);
            var secondBytes = options.Bytes("second-bytes", 1L << 20);
            result.SecondTunnelMs = await Task.WhenAll(edges.Select((edge, i) => SecondTunnelAsync(edge, secondTunnels[i], secondBytes, probeTimeout))).ConfigureAwait(false);
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(result, LoadGenJson.Default.StalledSendersResult));

            using var leave = Sinks.StopOnSignal(options);
            try
            {
                await Task.Delay(Timeout.Infinite, leave.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            return 0;
        }
        finally
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes into <paramref name="count"/> streams of one tunnel until stopped; returns the bytes whose flush completed.</summary>
    private static async Task<(long Bytes, int Errors)> WriteStreamsAsync(SimulatedEdge edge, Guid tunnel, int count, WriteClock clock, CancellationToken stop)
    {
        var perStream = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => WriteStreamAsync(edge, tunnel, clock, stop))).ConfigureAwait(false);
        return (perStream.Sum(s => s.Bytes), perStream.Count(s => s.Failed));
    }

    private static async Task<(long Bytes, bool Failed)> WriteStreamAsync(SimulatedEdge edge, Guid tunnel, WriteClock clock, CancellationToken stop)
    {
        long written = 0;
        try
        {
            var stream = await edge.OpenTunnelStreamAsync(tunnel, stop).ConfigureAwait(false);
            while (true)
            {
                var chunk = Math.Min(stream.Output.GetMemory(WriteChunk).Length, WriteChunk);
                stream.Output.Advance(chunk);
                if ((await stream.Output.FlushAsync(stop).ConfigureAwait(false)).IsCompleted)
                {
                    return (written, true); // the relay stopped reading this stream
                }

                written += chunk;
                clock.Wrote();
            }
        }
        catch (OperationCanceledException)
        {
            return (written, false);
        }
        catch (IOException)
        {
            return (written, true);
        }
    }

    /// <summary>
    /// Waits <paramref name="seconds"/>, then until no write completed for a second; false when writes still completed
    /// <paramref name="settleSeconds"/> later (the relay kept accepting: not every sender was blocked).
    /// </summary>
    private static async Task<bool> WaitUntilBlockedAsync(WriteClock clock, double seconds, double settleSeconds)
    {
        await Task.Delay(TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
        var giveUp = Environment.TickCount64 + (long)(settleSeconds * 1000);
        while (Environment.TickCount64 - clock.LastWriteTicks < QuietMillisecondsWhenBlocked)
        {
            if (Environment.TickCount64 >= giveUp)
            {
                return false;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>When any stalled stream last completed a write, shared by all of them.</summary>
    private sealed class WriteClock
    {
        private readonly long _startTicks = Environment.TickCount64;
        private long _lastWriteTicks = Environment.TickCount64;

        public long LastWriteTicks => Volatile.Read(ref _lastWriteTicks);

        public double LastWriteSeconds => (LastWriteTicks - _startTicks) / 1000.0;

        public TimeSpan Elapsed => TimeSpan.FromMilliseconds(Environment.TickCount64 - _startTicks);

        public void Wrote() => Volatile.Write(ref _lastWriteTicks, Environment.TickCount64);
    }

    /// <summary>Round trip of a control-stream <c>ping</c> to its <c>pong</c> in ms; -1 when none came within the timeout.</summary>
    private static async Task<double> PingAsync(SimulatedEdge edge, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var start = Stopwatch.GetTimestamp();
        try
        {
            await edge.PingAsync(cts.Token).ConfigureAwait(false);
            while ((await edge.ReceiveControlAsync(cts.Token).ConfigureAwait(false)).Type != "pong")
            {
            }

            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException or IOException)
        {
            return -1;
        }
    }

    /// <summary>Time to open a stream on the second tunnel and have the far end count all <paramref name="bytes"/>; -1 on failure.</summary>
    private static async Task<double> SecondTunnelAsync(SimulatedEdge edge, Guid tunnel, long bytes, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var start = Stopwatch.GetTimestamp();
        try
        {
            var (sent, received) = await Scenarios.SendStreamAsync(
                ct => edge.OpenTunnelStreamAsync(tunnel, ct), bytes, long.MaxValue, cts.Token).ConfigureAwait(false);
            return received == sent ? Stopwatch.GetElapsedTime(start).TotalMilliseconds : -1;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return -1;
        }
    }
}

/// <summary>What <c>stalled-senders</c> reports to the parent, one entry per sender where it is an array.</summary>
public sealed class StalledSendersResult
{
    /// <summary>Bytes each sender wrote (completed flushes) into its stalled tunnel's streams.</summary>
    [JsonPropertyName("accepted_bytes")]
    public long[] AcceptedBytes { get; set; } = [];

    /// <summary>Ping → pong round trip per sender in ms; -1 when no pong came.</summary>
    [JsonPropertyName("pong_ms")]
    public double[] PongMs { get; set; } = [];

    /// <summary>Time to move --second-bytes through a new stream on the second tunnel, ms; -1 when it failed.</summary>
    [JsonPropertyName("second_tunnel_ms")]
    public double[] SecondTunnelMs { get; set; } = [];

    /// <summary>Whether every sender was blocked (no write completed for a second) when writing stopped.</summary>
    [JsonPropertyName("all_blocked")]
    public bool AllBlocked { get; set; }

    /// <summary>Seconds from the first write until writing stopped.</summary>
    [JsonPropertyName("write_seconds")]
    public double WriteSeconds { get; set; }

    /// <summary>Seconds from the first write to the last completed one: how long the relay kept accepting.</summary>
    [JsonPropertyName("last_write_seconds")]
    public double LastWriteSeconds { get; set; }

    /// <summary>Stalled streams the relay reset or completed while they were being written.</summary>
    [JsonPropertyName("stream_errors")]
    public int StreamErrors { get; set; }

    [JsonPropertyName("datagrams_accepted")]
    public long DatagramsAccepted { get; set; }

    [JsonPropertyName("datagrams_refused")]
    public long DatagramsRefused { get; set; }
}
