using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BilbyRelay.Quic;

namespace BilbyRelay.LoadGen;

/// <summary>
/// Start-up figures of a freshly spawned relay, measured from outside: when <c>GET /health</c> first answers 200
/// and when a QUIC handshake attempted right after that completes.
/// </summary>
internal static class StartupProbe
{
    private static readonly byte[] s_healthRequest = StatsEndpoint.Request("/health");

    /// <summary>
    /// Runs one loopback handshake inside this process first, so the relay's figure does not include this
    /// tool's own first-connection costs (engine thread, TLS library state).
    /// </summary>
    public static async Task WarmUpClientAsync()
    {
        await using var listener = QuicListener.Start(new QuicServerOptions
        {
            ListenEndPoints = [new IPEndPoint(IPAddress.Loopback, 0)],
            Alpn = Scenarios.Alpn,
        });
        var connection = await Scenarios.ConnectOnceAsync(listener.LocalEndPoints[0]).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Connects to <paramref name="api"/> again and again (a refused connect costs microseconds on loopback) until
    /// <c>/health</c> answers 200; returns that moment on <paramref name="clock"/>. A dedicated thread keeps the
    /// polling independent of the thread pool the rest of the tool uses.
    /// </summary>
    public static Task<TimeSpan> WaitForHealthAsync(IPEndPoint api, Func<TimeSpan> clock, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            var response = new byte[64];
            while (Stopwatch.GetTimestamp() < deadline)
            {
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    socket.Connect(api);
                    socket.Send(s_healthRequest);
                    var read = socket.Receive(response);
                    if (Encoding.ASCII.GetString(response, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                    {
                        done.SetResult(clock());
                        return;
                    }
                }
                catch (SocketException)
                {
                    // Not listening yet.
                }

                Thread.Yield();
            }

            done.SetException(new TimeoutException($"/health on {api} did not answer 200 within {timeout.TotalSeconds} s"));
        })
        {
            IsBackground = true,
            Name = "health-probe",
        };
        thread.Start();
        return done.Task;
    }
}
