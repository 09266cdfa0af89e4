using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.LoadGen.Operator;

/// <summary>
/// A relay under test: one given by address (any implementation, anywhere) or a binary this tool started on free
/// loopback ports and stops at the end. <see cref="Pid"/> is known for started relays and with --relay-pid.
/// </summary>
public sealed class RelayTarget : IAsyncDisposable
{
    private readonly ChildProcess? _process;

    private RelayTarget(string label, string spec, IPEndPoint quic, int? pid, ChildProcess? process)
    {
        Label = label;
        Spec = spec;
        Quic = quic;
        Pid = pid;
        _process = process;
    }

    /// <summary>How figures and chart lines name this relay.</summary>
    public string Label { get; }

    /// <summary>What the operator gave: an address or a binary's path.</summary>
    public string Spec { get; }

    public IPEndPoint Quic { get; }

    public int? Pid { get; }

    /// <summary>
    /// <paramref name="spec"/> is HOST:PORT (a running relay) or the path of a relay binary to start (when such a file exists).
    /// </summary>
    public static async Task<RelayTarget> OpenAsync(string spec, string label, Options options, CancellationToken ct)
    {
        if (File.Exists(spec))
        {
            var (process, quic, _) = RelayLaunch.Start(spec, options.Get("relay-log-level", "info"));
            try
            {
                await process.WaitForLineAsync("Relay ready", TimeSpan.FromSeconds(30)).WaitAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return new RelayTarget(label, spec, quic, process.Pid, process);
        }

        var pid = options.Has("relay-pid") ? options.Int("relay-pid", 0) : (int?)null;
        return new RelayTarget(label, spec, await ResolveAsync(spec, ct).ConfigureAwait(false), pid, null);
    }

    /// <summary>HOST:PORT or [v6]:PORT; a host name is resolved once, preferring IPv4.</summary>
    public static async Task<IPEndPoint> ResolveAsync(string address, CancellationToken ct)
    {
        if (IPEndPoint.TryParse(address, out var endPoint) && endPoint.Port != 0)
        {
            return endPoint;
        }

        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"'{address}' is neither HOST:PORT nor an existing relay binary");
        }

        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(address[..colon], ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new ArgumentException($"cannot resolve '{address[..colon]}': {e.Message}");
        }

        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"'{address[..colon]}' has no address");
        return new IPEndPoint(chosen, port);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            var exit = await _process.StopAsync().ConfigureAwait(false);
            if (exit != 0)
            {
                await Console.Error.WriteLineAsync($"relay {Label} exited with {exit} after SIGTERM:\n{_process.Tail()}").ConfigureAwait(false);
            }

            await _process.DisposeAsync().ConfigureAwait(false);
        }
    }
}
