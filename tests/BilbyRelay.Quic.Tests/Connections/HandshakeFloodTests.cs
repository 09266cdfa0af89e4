using System.Buffers;
using System.Buffers.Binary;
using BilbyRelay.Tests.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace BilbyRelay.Quic.Tests.Connections;

/// <summary>
/// Handshake floods: Initial packets from many source ports that never complete. Retry above the rate threshold,
/// the half-open cap, and an established connection that keeps answering throughout.
/// </summary>
public sealed class HandshakeFloodTests(ITestOutputHelper output)
{
    [Fact]
    public void Start_WithAdmissionOptionsOutOfRange_ThrowsNamingTheOption()
    {
        var retry = Assert.Throws<ArgumentOutOfRangeException>(() => QuicTestEnvironment.StartListener(o => o.RetryAboveHandshakesPerSecond = -1));
        Assert.Equal(nameof(QuicServerOptions.RetryAboveHandshakesPerSecond), retry.ParamName);
        var cap = Assert.Throws<ArgumentOutOfRangeException>(() => QuicTestEnvironment.StartListener(o => o.MaxHalfOpenConnections = 0));
        Assert.Equal(nameof(QuicServerOptions.MaxHalfOpenConnections), cap.ParamName);
        var lifetime = Assert.Throws<ArgumentOutOfRangeException>(() => QuicTestEnvironment.StartListener(o => o.RetryTokenLifetime = TimeSpan.Zero));
        Assert.Equal(nameof(QuicServerOptions.RetryTokenLifetime), lifetime.ParamName);
    }

    [Fact]
    public async Task TwoLoops_EachHoldItsShareOfTheHalfOpenCap()
    {
        const int cap = 8;
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.LoopsPerAddress = 2;
            o.RetryAboveHandshakesPerSecond = null;
            o.MaxHalfOpenConnections = cap;
            o.Transport = new QuicTransportSettings { HandshakeTimeout = TimeSpan.FromSeconds(60) };
        });
        var initials = await RealInitials.CaptureAsync(64);
        using var flood = new QuicInitialFlood(listener.LocalEndPoints[0], sockets: initials.Count);
        for (var i = 0; i < initials.Count; i++)
        {
            flood.Send(i, initials[i]);
        }

        // The kernel spreads the 64 source ports over both loops; each admits at most half the cap.
        await Polling.UntilAsync(
            () => listener.GetLoopCounters().Sum(l => l.HalfOpenConnections + l.HandshakesRefusedHalfOpenCap) == initials.Count,
            QuicTestEnvironment.Timeout,
            () => string.Join(", ", listener.GetLoopCounters().Select(l => $"{l.HalfOpenConnections} half-open, {l.HandshakesRefusedHalfOpenCap} refused")));
        Assert.All(listener.GetLoopCounters(), l => Assert.InRange(l.HalfOpenConnections, 0, cap / 2));
    }

    [Fact]
    public async Task AlwaysRetry_ClientCompletesItsHandshakeThroughRetry()
    {
        await using var listener = QuicTestEnvironment.StartListener(o => o.RetryAboveHandshakesPerSecond = 0);

        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        {
            await using var echo = await EchoPing.StartAsync(client, server);
            await echo.PingAsync();
        }

        var counters = listener.GetLoopCounters()[0];
        Assert.True(counters.HandshakesRetried >= 1, $"retried {counters.HandshakesRetried}");
        Assert.Equal(0, counters.HandshakesRefusedInvalidToken);
    }

    [Fact]
    public async Task FloodAboveTheThreshold_IsAnsweredWithRetry_WhileTheEstablishedConnectionKeepsAnswering()
    {
        await using var listener = QuicTestEnvironment.StartListener(o => o.RetryAboveHandshakesPerSecond = 20);
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using var _ = client;
        await using var echo = await EchoPing.StartAsync(client, server);
        using var flood = new QuicInitialFlood(listener.LocalEndPoints[0], sockets: 64);

        var retries = 0;
        for (var round = 0; round < 20; round++)
        {
            flood.SendCrafted(count: 64);
            await echo.PingAsync();
            retries += flood.CountReplies(QuicInitialFlood.Retry);
        }

        await echo.PingAsync();
        var counters = listener.GetLoopCounters()[0];
        // 20 attempts per second create state; with the rounds spread over a few seconds at worst, most get Retry.
        Assert.True(counters.HandshakesRetried >= 20 * 64 / 2, $"retried {counters.HandshakesRetried}");
        retries += await flood.WaitForRepliesAsync(QuicInitialFlood.Retry, minimum: Math.Max(0, 1 - retries), QuicTestEnvironment.Timeout);
        Assert.True(retries > 0);

        // A real client still gets in: it answers the Retry and its token validates.
        var (late, lateServer) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (late)
        {
            Assert.True(lateServer.IsServer);
        }

        Assert.Equal(0, listener.GetLoopCounters()[0].HandshakesRefusedInvalidToken);
    }

    [Fact]
    public async Task HalfOpenConnections_NeverExceedTheCap()
    {
        const int cap = 16;
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.RetryAboveHandshakesPerSecond = null;
            o.MaxHalfOpenConnections = cap;
            o.Transport = new QuicTransportSettings { HandshakeTimeout = TimeSpan.FromSeconds(60) };
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using var _ = client;
        await using var echo = await EchoPing.StartAsync(client, server);
        var initials = await RealInitials.CaptureAsync(cap * 3);
        using var flood = new QuicInitialFlood(listener.LocalEndPoints[0], sockets: initials.Count);

        var maxSeen = 0;
        for (var i = 0; i < initials.Count; i++)
        {
            flood.Send(i, initials[i]);
            maxSeen = Math.Max(maxSeen, listener.GetLoopCounters()[0].HalfOpenConnections);
        }

        await Polling.UntilAsync(
            () => listener.GetLoopCounters()[0].HandshakesRefusedHalfOpenCap == initials.Count - cap,
            QuicTestEnvironment.Timeout,
            () => $"{listener.GetLoopCounters()[0].HandshakesRefusedHalfOpenCap} refused");
        await echo.PingAsync();
        var counters = listener.GetLoopCounters()[0];
        Assert.True(maxSeen <= cap, $"saw {maxSeen} half-open");
        Assert.Equal(cap, counters.HalfOpenConnections);
        Assert.Equal(initials.Count - cap, counters.HandshakesRefusedHalfOpenCap);
    }

    [Fact]
    public async Task WithRetry_UnvalidatedHandshakesHoldHalfTheCap_AndAValidatedClientStillConnects()
    {
        const int cap = 16;
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.RetryAboveHandshakesPerSecond = 100_000;
            o.MaxHalfOpenConnections = cap;
            o.Transport = new QuicTransportSettings { HandshakeTimeout = TimeSpan.FromSeconds(60) };
        });
        var initials = await RealInitials.CaptureAsync(cap * 2);
        using var flood = new QuicInitialFlood(listener.LocalEndPoints[0], sockets: initials.Count);
        for (var i = 0; i < initials.Count; i++)
        {
            flood.Send(i, initials[i]);
        }

        var retries = await flood.WaitForRepliesAsync(QuicInitialFlood.Retry, minimum: initials.Count - (cap / 2), QuicTestEnvironment.Timeout);
        Assert.Equal(initials.Count - (cap / 2), retries);
        Assert.Equal(cap / 2, listener.GetLoopCounters()[0].HalfOpenConnections);

        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using (client)
        {
            await using var echo = await EchoPing.StartAsync(client, server);
            await echo.PingAsync();
        }

        Assert.Equal(0, listener.GetLoopCounters()[0].HandshakesRefusedHalfOpenCap);
    }

    [Fact]
    public async Task ForgedRetryToken_IsClosedWithInvalidToken()
    {
        await using var listener = QuicTestEnvironment.StartListener(o => o.RetryAboveHandshakesPerSecond = 0);
        using var flood = new QuicInitialFlood(listener.LocalEndPoints[0], sockets: 1);
        var packet = QuicInitialFlood.Craft(new Random(7), token: [0xb6, .. Enumerable.Repeat((byte)0x55, 61)]);
        flood.Send(0, packet);

        // An Initial CONNECTION_CLOSE comes back (long header, type Initial), and nothing is kept.
        Assert.Equal(1, await flood.WaitForRepliesAsync(QuicInitialFlood.Initial, minimum: 1, QuicTestEnvironment.Timeout));
        var counters = listener.GetLoopCounters()[0];
        Assert.Equal(1, counters.HandshakesRefusedInvalidToken);
        Assert.Equal(0, counters.HalfOpenConnections);
    }

    /// <summary>
    /// The figure in docs/reliability.md ("Abuse"): round-trip times of an established connection's pings while
    /// real client Initials (each a TLS handshake if admitted) arrive from 256 source ports at FloodRate per second,
    /// with the default protection (Retry above 500 attempts/s, 1000 half-open) and with none. Prints the percentiles;
    /// asserts only that every ping was answered.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EstablishedPingsDuringAFlood_AreAllAnswered(bool protectedListener)
    {
        const int floodRate = 1000;
        const int floodSeconds = 2;
        await using var listener = QuicTestEnvironment.StartListener(o =>
        {
            o.RetryAboveHandshakesPerSecond = protectedListener ? 500 : null;
            o.MaxHalfOpenConnections = protectedListener ? 1000 : 1_000_000;
        });
        var (client, server) = await QuicTestEnvironment.ConnectPairAsync(listener);
        await using var _ = client;
        await using var echo = await EchoPing.StartAsync(client, server);
        var initials = await RealInitials.CaptureAsync(floodRate * floodSeconds);
        using var flood = new QuicInitialFlood(listener.LocalEndPoints[0], sockets: 256);

        var rtts = new List<double>();
        var clock = Stopwatch.StartNew();
        var next = 0;
        while (next < initials.Count)
        {
            // Paced in 10 ms steps; a ping in every step.
            var due = Math.Min(initials.Count, (int)(clock.Elapsed.TotalSeconds * floodRate) + (floodRate / 100));
            for (; next < due; next++)
            {
                flood.Send(next, initials[next]);
            }

            rtts.Add(await echo.PingAsync());
            flood.CountReplies(QuicInitialFlood.Retry);
            await Task.Delay(10);
        }

        rtts.Sort();
        var counters = listener.GetLoopCounters()[0];
        output.WriteLine(
            $"protected={protectedListener} pings={rtts.Count} p50={Percentile(rtts, 0.5):F3} ms p99={Percentile(rtts, 0.99):F3} ms max={rtts[^1]:F3} ms " +
            $"initials={next} in {clock.Elapsed.TotalSeconds:F1} s retried={counters.HandshakesRetried} half-open={counters.HalfOpenConnections} refused={counters.HandshakesRefusedHalfOpenCap}");
        Assert.NotEmpty(rtts);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>An established pair where the server echoes every 8-byte ping on one bidirectional stream.</summary>
    private sealed class EchoPing : IAsyncDisposable
    {
        private readonly QuicStream _stream;
        private readonly Task _echo;
        private long _sequence;

        private EchoPing(QuicStream stream, Task echo)
        {
            _stream = stream;
            _echo = echo;
        }

        public static async Task<EchoPing> StartAsync(QuicConnection client, QuicConnection server)
        {
            var stream = await client.OpenStreamAsync(bidirectional: true);
            var ping = new EchoPing(stream, Task.Run(async () =>
            {
                var accepted = await server.AcceptStreamAsync();
                while (true)
                {
                    var read = await accepted.Input.ReadAsync();
                    foreach (var segment in read.Buffer)
                    {
                        await accepted.Output.WriteAsync(segment);
                    }

                    accepted.Input.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted)
                    {
                        await accepted.Output.CompleteAsync();
                        return;
                    }
                }
            }));
            await ping.PingAsync();
            return ping;
        }

        /// <summary>Sends one ping and waits for its echo; returns the round trip in milliseconds.</summary>
        public async Task<double> PingAsync()
        {
            using var timeout = new CancellationTokenSource(QuicTestEnvironment.Timeout);
            var sequence = ++_sequence;
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, sequence);
            var started = Stopwatch.GetTimestamp();
            await _stream.Output.WriteAsync(bytes, timeout.Token);
            while (true)
            {
                var read = await _stream.Input.ReadAsync(timeout.Token);
                if (read.Buffer.Length >= 8)
                {
                    var echoed = new byte[8];
                    read.Buffer.Slice(0, 8).CopyTo(echoed);
                    _stream.Input.AdvanceTo(read.Buffer.GetPosition(8));
                    Assert.Equal(sequence, BinaryPrimitives.ReadInt64BigEndian(echoed));
                    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }

                Assert.False(read.IsCompleted, "the echo stream ended");
                _stream.Input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stream.Output.CompleteAsync();
            await _echo.WaitAsync(QuicTestEnvironment.Timeout);
        }
    }

    /// <summary>Client Initials captured from real connection attempts against a plain UDP socket, one per DCID.</summary>
    private static class RealInitials
    {
        private const int Batch = 100;

        public static async Task<List<byte[]>> CaptureAsync(int count)
        {
            using var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var target = (IPEndPoint)sink.LocalEndPoint!;
            var seen = new HashSet<string>();
            var initials = new List<byte[]>();
            var buffer = new byte[2048];
            using var timeout = new CancellationTokenSource(QuicTestEnvironment.Timeout * 4);

            // In batches, so the sink's receive buffer never overflows into retransmission waits.
            while (initials.Count < count)
            {
                using var cancel = new CancellationTokenSource();
                var wanted = Math.Min(count, initials.Count + Batch);
                var attempts = Enumerable.Range(0, wanted - initials.Count).Select(_ => ConnectIgnoringFailure(target, cancel.Token)).ToList();
                while (initials.Count < wanted)
                {
                    var received = await sink.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
                    var datagram = buffer.AsSpan(0, received.ReceivedBytes).ToArray();
                    if ((datagram[0] & 0xB0) == 0x80 && seen.Add(Convert.ToHexString(datagram.AsSpan(6, datagram[5]))))
                    {
                        initials.Add(datagram);
                    }
                }

                await cancel.CancelAsync();
                await Task.WhenAll(attempts);
            }

            return initials;
        }

        private static async Task ConnectIgnoringFailure(IPEndPoint target, CancellationToken cancellationToken)
        {
            try
            {
                await using var connection = await QuicConnection.ConnectAsync(
                    new QuicClientOptions { RemoteEndPoint = target, Alpn = QuicTestEnvironment.Alpn, SkipCertificateValidation = true },
                    cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or QuicException)
            {
                // The sink never answers: every attempt ends here.
            }
        }
    }
}
