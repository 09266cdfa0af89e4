using System.Net;
using System.Net.Sockets;
using System.Text;
using BilbyRelay.Cli;
using Xunit;

namespace BilbyRelay.Tests.Cli;

public sealed class HealthProbeTests
{
    [Fact]
    public async Task Health200_ExitsZeroAndPrintsTheBody()
    {
        using var listener = new AnsweringListener("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}");
        var run = new ProgramRun();

        var exit = await run.RunAsync("health", "--api-addr", listener.EndPoint.ToString());

        Assert.Equal(ExitCodes.Success, exit);
        Assert.Equal("{\"status\":\"ok\"}\n", run.Out.ToString());
    }

    [Fact]
    public async Task Health503_ExitsOneWithTheReason()
    {
        using var listener = new AnsweringListener("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n{\"status\":\"failed\"}");
        var run = new ProgramRun();

        var exit = await run.RunAsync("health", "--api-addr", listener.EndPoint.ToString());

        Assert.Equal(ExitCodes.RuntimeFailure, exit);
        Assert.Contains("answered 503", run.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingListening_ExitsOne()
    {
        string address;
        using (var closed = new TcpListener(IPAddress.Loopback, 0))
        {
            closed.Start();
            address = closed.LocalEndpoint.ToString()!;
        }

        var run = new ProgramRun();

        Assert.Equal(ExitCodes.RuntimeFailure, await run.RunAsync("health", "--api-addr", address));
        Assert.Contains(address, run.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortZero_IsAUsageError()
    {
        var run = new ProgramRun();

        Assert.Equal(ExitCodes.UsageOrConfigError, await run.RunAsync("health", "--api-addr", "127.0.0.1:0"));
    }

    [Fact]
    public void WildcardListenAddresses_AreProbedOnLoopback()
    {
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:4480"), HealthProbe.Target(IPEndPoint.Parse("0.0.0.0:4480")));
        Assert.Equal(IPEndPoint.Parse("[::1]:4480"), HealthProbe.Target(IPEndPoint.Parse("[::]:4480")));
        Assert.Equal(IPEndPoint.Parse("10.0.0.5:4480"), HealthProbe.Target(IPEndPoint.Parse("10.0.0.5:4480")));
    }

    /// <summary>A TCP server that reads one request head and answers the given response, then closes.</summary>
    private sealed class AnsweringListener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public AnsweringListener(string response)
        {
            _listener.Start();
            EndPoint = (IPEndPoint)_listener.LocalEndpoint;
            _ = ServeAsync(response);
        }

        public IPEndPoint EndPoint { get; }

        public void Dispose() => _listener.Stop();

        private async Task ServeAsync(string response)
        {
            using var client = await _listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var head = new StringBuilder();
            var buffer = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer) == 1)
            {
                head.Append((char)buffer[0]);
            }

            Assert.StartsWith("GET /health HTTP/1.1\r\n", head.ToString(), StringComparison.Ordinal);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
        }
    }
}
