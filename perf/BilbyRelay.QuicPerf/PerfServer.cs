using System.Diagnostics;
using System.Net;
using BilbyRelay.Quic;

namespace BilbyRelay.QuicPerf;

/// <summary>Drains every stream and answers with FIN; echoes datagrams. Stops when stdin closes.</summary>
internal static class PerfServer
{
    internal const string Alpn = "bilbycast-relay";

    internal static async Task RunAsync(int port)
    {
        await using var listener = QuicListener.Start(new QuicServerOptions
        {
            ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
            Alpn = Alpn,
        });
        Console.WriteLine($"listening {listener.LocalEndPoints[0].Port}");
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            await Console.In.ReadToEndAsync();
            await stop.CancelAsync();
        });

        try
        {
            while (true)
            {
                var connection = await listener.AcceptConnectionAsync(stop.Token);
                connection.SetDatagramHandler(static (c, d) => c.TrySendDatagram(d));
                _ = ServeAsync(connection);
            }
        }
        catch (OperationCanceledException)
        {
        }

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        Console.WriteLine($"server: received {listener.BytesReceived / 1e6:F0} MB in {listener.PacketsReceived} datagrams, CPU {cpu.TotalSeconds:F2} s");
    }

    private static async Task ServeAsync(QuicConnection connection)
    {
        try
        {
            while (true)
            {
                var stream = await connection.AcceptStreamAsync();
                _ = DrainAsync(stream);
            }
        }
        catch (QuicException)
        {
        }
    }

    private static async Task DrainAsync(QuicStream stream)
    {
        try
        {
            while (true)
            {
                var result = await stream.Input.ReadAsync();
                stream.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await stream.Input.CompleteAsync();
            await stream.Output.CompleteAsync();
        }
        catch (IOException)
        {
        }
    }
}
