using System.Diagnostics;
using System.Globalization;
using System.Net;
using BilbyRelay.QuicPerf;

// QUIC engine micro-benchmarks over loopback, client and server in separate processes.
//   quicperf run                       starts a server child process and runs every scenario against it
//   quicperf server [port]             sink/echo server: drains streams (FIN back), echoes datagrams
//   quicperf client <port> <scenario>  scenarios: stream, streams8, datagrams, handshakes
if (args.Length == 0 || args[0] == "run")
{
    return await Runner.RunAllAsync();
}

if (args[0] == "server")
{
    var port = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
    await PerfServer.RunAsync(port);
    return 0;
}

if (args[0] == "client" && args.Length >= 3)
{
    var endpoint = new IPEndPoint(IPAddress.Loopback, int.Parse(args[1], CultureInfo.InvariantCulture));
    var line = await PerfClient.RunAsync(endpoint, args[2]);
    Console.WriteLine(line);
    return 0;
}

Console.Error.WriteLine("usage: quicperf [run | server [port] | client <port> <stream|streams8|datagrams|handshakes>]");
return 2;

internal static class Runner
{
    internal static async Task<int> RunAllAsync()
    {
        var self = Environment.ProcessPath!;
        var selfArgs = self.EndsWith("dotnet", StringComparison.Ordinal) ? $"{Environment.GetCommandLineArgs()[0]} " : "";
        using var server = Process.Start(new ProcessStartInfo(self, $"{selfArgs}server 0") { RedirectStandardOutput = true, RedirectStandardInput = true })!;
        var ready = await server.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("server did not start");
        var port = ready.Split(' ')[1];
        Console.WriteLine($"server pid {server.Id} on port {port}");
        foreach (var scenario in new[] { "stream", "streams8", "datagrams", "handshakes" })
        {
            using var client = Process.Start(new ProcessStartInfo(self, $"{selfArgs}client {port} {scenario}") { RedirectStandardOutput = true })!;
            Console.WriteLine(await client.StandardOutput.ReadToEndAsync());
            await client.WaitForExitAsync();
        }

        server.StandardInput.Close();
        Console.WriteLine(await server.StandardOutput.ReadToEndAsync());
        await server.WaitForExitAsync();
        return 0;
    }
}
