using System.Net;
using System.Net.Sockets;
using System.Text;
using BilbyRelay.Config;

namespace BilbyRelay.Cli;

/// <summary>
/// <c>bilbyrelay health</c>: asks a running relay for <c>GET /health</c> on the first stats address of the
/// same configuration (a wildcard address means this host's loopback) and exits 0 on 200, 1 otherwise.
/// Images without a shell or curl (distroless) use it as their liveness/readiness command.
/// </summary>
internal static class HealthProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private const int MaxResponseBytes = 64 * 1024;

    public static async Task<int> RunAsync(ConfigLoadResult loaded, ProgramContext context)
    {
        if (!loaded.Succeeded)
        {
            foreach (var diagnostic in loaded.Diagnostics)
            {
                await context.Error.WriteAsync(diagnostic + "\n").ConfigureAwait(false);
            }

            await context.Error.WriteAsync("bilbyrelay health: configuration is invalid\n").ConfigureAwait(false);
            return ExitCodes.UsageOrConfigError;
        }

        var target = Target(loaded.Config.ApiAddrs[0]);
        if (target.Port == 0)
        {
            await context.Error.WriteAsync("bilbyrelay health: api_addr has port 0 (chosen at start-up); give the bound port with --api-addr\n").ConfigureAwait(false);
            return ExitCodes.UsageOrConfigError;
        }

        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            var (status, body) = await GetHealthAsync(target, timeout.Token).ConfigureAwait(false);
            if (status == 200)
            {
                await context.Out.WriteAsync(body + "\n").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await context.Error.WriteAsync($"bilbyrelay health: {target} answered {status}: {body}\n").ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or FormatException)
        {
            var reason = e is OperationCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message;
            await context.Error.WriteAsync($"bilbyrelay health: {target}: {reason}\n").ConfigureAwait(false);
        }

        return ExitCodes.RuntimeFailure;
    }

    /// <summary>The address to dial for a listen address: wildcards mean the loopback of the same family.</summary>
    public static IPEndPoint Target(IPEndPoint listen) =>
        listen.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, listen.Port)
        : listen.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, listen.Port)
        : listen;

    private static async Task<(int Status, string Body)> GetHealthAsync(IPEndPoint target, CancellationToken ct)
    {
        using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(target, ct).ConfigureAwait(false);
        var request = $"GET /health HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct).ConfigureAwait(false);

        var response = new byte[MaxResponseBytes];
        var length = 0;
        int read;
        while (length < response.Length && (read = await socket.ReceiveAsync(response.AsMemory(length), SocketFlags.None, ct).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        var text = Encoding.UTF8.GetString(response, 0, length);
        // "HTTP/1.1 200 OK\r\n...\r\n\r\nBODY"
        var parts = text.Split(' ', 3);
        if (parts.Length < 3 || !parts[0].StartsWith("HTTP/", StringComparison.Ordinal) || !int.TryParse(parts[1], out var status))
        {
            throw new FormatException("the answer is not HTTP");
        }

        var bodyStart = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, bodyStart < 0 ? string.Empty : text[(bodyStart + 4)..].Trim());
    }
}
