using System.Net.Sockets;
using System.Text;
using BilbyRelay.Cli;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Tests.Hosting;

public sealed class SystemdNotifierTests : IDisposable
{
    private readonly TempFilesDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FromEnvironment_NeedsNotifySocket()
    {
        Assert.Null(SystemdNotifier.FromEnvironment(new Dictionary<string, string>()));
        Assert.Null(SystemdNotifier.FromEnvironment(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = string.Empty }));
        Assert.NotNull(SystemdNotifier.FromEnvironment(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = "/run/systemd/notify" }));
    }

    [Fact]
    public async Task Host_SendsReadyThenStoppingToTheSocket()
    {
        var path = Path.Combine(_dir.Path, "notify.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        using var shutdown = new CancellationTokenSource();
        var host = new RelayHost([], Logger.Null, systemd: new SystemdNotifier(path));

        var running = host.RunAsync(shutdown.Token);
        var ready = await ReceiveAsync(listener);
        await shutdown.CancelAsync();
        var stopping = await ReceiveAsync(listener);

        Assert.Equal("READY=1", ready);
        Assert.Equal("STOPPING=1", stopping);
        Assert.Equal(ExitCodes.Success, await running.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task AbstractSocket_IsAddressedWithLeadingAt()
    {
        var name = "bilbyrelay-test-" + Guid.NewGuid().ToString("N");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));

        new SystemdNotifier("@" + name).Notify("READY=1");

        Assert.Equal("READY=1", await ReceiveAsync(listener));
    }

    [Fact]
    public async Task MissingSocket_IsLoggedAndDoesNotStopTheRelay()
    {
        var log = new StringWriter();
        var host = new RelayHost([], new Logger(new TextLogSink(TextWriter.Synchronized(log)), "hosting"), systemd: new SystemdNotifier(Path.Combine(_dir.Path, "absent.sock")));

        using var shutdown = new CancellationTokenSource();
        var running = host.RunAsync(shutdown.Token);
        await shutdown.CancelAsync();

        Assert.Equal(ExitCodes.Success, await running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Could not send READY=1 to systemd", log.ToString(), StringComparison.Ordinal);
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
        return Encoding.UTF8.GetString(buffer, 0, received);
    }
}
