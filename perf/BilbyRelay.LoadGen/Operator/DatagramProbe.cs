using System.Buffers.Binary;
using System.Diagnostics;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>What a datagram run measured: loss, one-way latency (sender and receiver share this process's clock) and jitter.</summary>
public sealed record DatagramResult(
    double Seconds, long Sent, long Received, long Refused, double OfferedPps, double[] LatencyUs, double JitterUs)
{
    public double LossPct => Sent == 0 ? 0 : 100.0 * (Sent - Received) / Sent;

    public double DeliveredMbps(int payload) => Seconds == 0 ? 0 : Received * (16.0 + payload) * 8 / 1e6 / Seconds;

    /// <summary>The q-quantile of the sorted one-way latencies (NaN without samples).</summary>
    public double Percentile(double q) =>
        LatencyUs.Length == 0 ? double.NaN : LatencyUs[Math.Clamp((int)Math.Ceiling(q * LatencyUs.Length) - 1, 0, LatencyUs.Length - 1)];
}

/// <summary>
/// Paced datagrams from edge A into <c>T</c> tunnels, received at edge B. Each datagram carries
/// <c>tunnel UUID | sequence | send timestamp | tunnel index | padding</c>; the sender thread sends what is due every
/// millisecond (sleeping, never spinning) and B's loop thread records arrivals into arrays sized up front, so the
/// per-datagram path allocates nothing. Loss counts datagrams A's own engine refused as well as those that never came.
/// </summary>
public sealed class DatagramProbe
{
    /// <summary>Sequence, timestamp and tunnel index after the UUID: the smallest payload the probe can send.</summary>
    public const int HeaderBytes = 20;

    /// <summary>Bounds the arrays (8 bytes of latency plus one bit per datagram) whatever rate and duration are asked for.</summary>
    public const long MaxDatagrams = 20_000_000;

    private readonly long[] _transit;
    private readonly ulong[] _seen;
    private readonly long[] _lastTransit;
    private readonly double[] _jitterTicks;
    private long _received;
    private long _sent;
    private long _accepted;
    private long _refused;

    private DatagramProbe(long capacity, int tunnels)
    {
        _transit = new long[capacity];
        _seen = new ulong[(capacity + 63) / 64];
        _lastTransit = new long[tunnels];
        _jitterTicks = new double[tunnels];
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Received => Interlocked.Read(ref _received);

    /// <summary>
    /// Sends <paramref name="totalPps"/> datagrams per second (round robin over the pair's datagram tunnels) for
    /// <paramref name="seconds"/> or until <paramref name="ct"/> (then returns what was measured so far).
    /// </summary>
    public static async Task<DatagramResult> RunAsync(EdgePair pair, double totalPps, double seconds, int payload, Action<DatagramProbe>? started, CancellationToken ct)
    {
        if (payload < HeaderBytes)
        {
            throw new ArgumentException($"datagram payload must be at least {HeaderBytes} bytes");
        }

        var capacity = Math.Min(MaxDatagrams, (long)Math.Ceiling(totalPps * seconds) + 1);
        var probe = new DatagramProbe(capacity, pair.UdpTunnels.Count);
        pair.Probe = probe;
        var sendSeconds = 0.0;
        try
        {
            // The sender times itself: a thread that starts late under load must not lower the offered rate.
            var sender = new Thread(() => sendSeconds = probe.Send(pair, totalPps, seconds, payload, capacity, ct)) { Name = "loadgen-datagrams", IsBackground = true };
            sender.Start();
            started?.Invoke(probe);
            await Task.Run(sender.Join, CancellationToken.None).ConfigureAwait(false);
            await probe.WaitForStragglersAsync().ConfigureAwait(false);
        }
        finally
        {
            pair.Probe = null;
        }

        return probe.Result(sendSeconds);
    }

    /// <summary>Called by B's datagram observer for every datagram it receives.</summary>
    public void OnReceived(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 16 + HeaderBytes)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var seq = BinaryPrimitives.ReadInt64LittleEndian(datagram[16..]);
        var sentAt = BinaryPrimitives.ReadInt64LittleEndian(datagram[24..]);
        var tunnel = BinaryPrimitives.ReadInt32LittleEndian(datagram[32..]);
        if ((ulong)seq >= (ulong)_transit.Length || (uint)tunnel >= (uint)_lastTransit.Length)
        {
            return;
        }

        ref var word = ref _seen[seq >> 6];
        var bit = 1UL << (int)(seq & 63);
        if ((word & bit) != 0)
        {
            return; // duplicate
        }

        word |= bit;
        var transit = now - sentAt;
        var index = Interlocked.Increment(ref _received) - 1;
        _transit[index] = transit;

        // Interarrival jitter as RTP estimates it: a running mean of the change in transit time, per tunnel.
        if (_lastTransit[tunnel] != 0)
        {
            _jitterTicks[tunnel] += (Math.Abs(transit - _lastTransit[tunnel]) - _jitterTicks[tunnel]) / 16;
        }

        _lastTransit[tunnel] = transit;
    }

    /// <summary>Sends until the time is up, the arrays are full or <paramref name="ct"/>; returns the seconds it sent for.</summary>
    private double Send(EdgePair pair, double totalPps, double seconds, int payload, long capacity, CancellationToken ct)
    {
        var tunnels = pair.UdpTunnels;
        var buffers = tunnels.Select((id, i) =>
        {
            var buffer = new byte[16 + payload];
            id.TryWriteBytes(buffer, bigEndian: true, out _);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(32), i);
            return buffer;
        }).ToArray();
        var start = Stopwatch.GetTimestamp();
        var limit = TimeSpan.FromSeconds(seconds);
        long sent = 0;
        while (sent < capacity && !ct.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= limit)
            {
                break;
            }

            var due = Math.Min(capacity, (long)(totalPps * elapsed.TotalSeconds) + 1);
            for (; sent < due; sent++)
            {
                var buffer = buffers[sent % buffers.Length];
                BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(16), sent);
                BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(24), Stopwatch.GetTimestamp());
                if (pair.A.SendRawDatagram(buffer))
                {
                    Interlocked.Increment(ref _accepted);
                }
                else
                {
                    Interlocked.Increment(ref _refused);
                }

                Interlocked.Increment(ref _sent);
            }

            Thread.Sleep(1);
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Waits until every datagram A's engine accepted arrived, 300 ms passed without one, or 3 s in all.</summary>
    private async Task WaitForStragglersAsync()
    {
        var start = Stopwatch.GetTimestamp();
        var last = Received;
        var lastChange = start;
        while (Received < Interlocked.Read(ref _accepted) && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(3)
            && Stopwatch.GetElapsedTime(lastChange) < TimeSpan.FromMilliseconds(300))
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
            if (Received != last)
            {
                last = Received;
                lastChange = Stopwatch.GetTimestamp();
            }
        }
    }

    private DatagramResult Result(double seconds)
    {
        var received = (int)Math.Min(Received, _transit.Length);
        var latencies = new double[received];
        for (var i = 0; i < received; i++)
        {
            latencies[i] = _transit[i] * 1e6 / Stopwatch.Frequency;
        }

        Array.Sort(latencies);
        var active = _lastTransit.Count(t => t != 0);
        var jitter = active == 0 ? double.NaN : _jitterTicks.Sum() / active * 1e6 / Stopwatch.Frequency;
        return new DatagramResult(seconds, Sent, received, Interlocked.Read(ref _refused), seconds == 0 ? 0 : Sent / seconds, latencies, jitter);
    }
}
