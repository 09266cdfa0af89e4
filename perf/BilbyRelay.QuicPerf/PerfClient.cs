using System.Diagnostics;
using System.Net;
using BilbyRelay.Quic;

namespace BilbyRelay.QuicPerf;

/// <summary>One scenario per process, so CPU time is attributable.</summary>
internal static class PerfClient
{
    private const long StreamBytes = 1L << 30;

    internal static async Task<string> RunAsync(IPEndPoint server, string scenario)
    {
        var options = new QuicClientOptions { RemoteEndPoint = server, Alpn = PerfServer.Alpn, SkipCertificateValidation = true };
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        string result;
        switch (scenario)
        {
            case "stream":
            case "streams8":
                {
                    var streams = scenario == "stream" ? 1 : 8;
                    await using var connection = await QuicConnection.ConnectAsync(options);
                    await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => SendAsync(connection, StreamBytes / streams)));
                    var seconds = watch.Elapsed.TotalSeconds;
                    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
                    result = $"{scenario}: {StreamBytes / 1e9:F2} GB in {seconds:F2} s = {StreamBytes * 8 / seconds / 1e9:F2} Gbit/s, client CPU {cpu / (StreamBytes / 1e9):F2} s/GB";
                    break;
                }

            case "datagrams":
                {
                    await using var connection = await QuicConnection.ConnectAsync(options);
                    long echoed = 0;
                    connection.SetDatagramHandler((_, _) => Interlocked.Increment(ref echoed));
                    // Path MTU discovery raises the datagram limit shortly after the handshake; wait for it, bounded.
                    for (var i = 0; i < 200 && connection.MaxDatagramSize < 1316; i++)
                    {
                        await Task.Delay(10);
                    }

                    watch.Restart();
                    const int rate = 20_000;
                    const int seconds = 5;
                    var payload = new byte[Math.Min(1316, connection.MaxDatagramSize)];
                    long sent = 0;
                    var interval = TimeSpan.FromSeconds(1.0 / rate);
                    for (var i = 0; i < rate * seconds; i++)
                    {
                        while (watch.Elapsed < interval * i)
                        {
                            Thread.SpinWait(20);
                        }

                        if (connection.TrySendDatagram(payload))
                        {
                            sent++;
                        }
                    }

                    await Task.Delay(500);
                    var total = rate * seconds;
                    result = $"datagrams: {total} x {payload.Length} B at {rate}/s, queued {sent}, echoed {Interlocked.Read(ref echoed)} (round-trip loss {(1 - (Interlocked.Read(ref echoed) / (double)total)) * 100:F3} %)";
                    break;
                }

            case "handshakes":
                {
                    const int count = 500;
                    var done = 0;
                    await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, _) =>
                    {
                        await using var connection = await QuicConnection.ConnectAsync(options);
                        Interlocked.Increment(ref done);
                    });
                    result = $"handshakes: {done} in {watch.Elapsed.TotalSeconds:F2} s = {done / watch.Elapsed.TotalSeconds:F0}/s";
                    break;
                }

            default:
                throw new ArgumentException($"unknown scenario {scenario}");
        }

        return result;
    }

    private static async Task SendAsync(QuicConnection connection, long bytes)
    {
        var stream = await connection.OpenStreamAsync(bidirectional: true);
        var chunk = new byte[64 * 1024];
        for (long sent = 0; sent < bytes; sent += chunk.Length)
        {
            await stream.Output.WriteAsync(chunk);
        }

        await stream.Output.CompleteAsync();
        while (true)
        {
            var result = await stream.Input.ReadAsync();
            stream.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
    }
}
