using System.Net;
using System.Net.Sockets;

namespace BilbyRelay.LoadGen.Tests.Scenarios;

public sealed class BatchedUdpForwarderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Forwards_between_the_first_two_sources_byte_exact_both_ways_and_stops_when_asked()
    {
        using var stop = new CancellationTokenSource();
        var bound = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var forwarding = Task.Factory.StartNew(
            () => BatchedUdpForwarder.Run(new IPEndPoint(IPAddress.Loopback, 0), bound.SetResult, stop.Token),
            TaskCreationOptions.LongRunning);
        var forwarder = await bound.Task.WaitAsync(Timeout);

        using var first = Bind();
        using var second = Bind();

        // The first source has nobody to go to yet; the second's datagram goes to the first.
        await first.SendToAsync(new byte[] { 1 }, forwarder);
        await second.SendToAsync(new byte[] { 2, 2 }, forwarder);
        Assert.Equal(new byte[] { 2, 2 }, await ReceiveAsync(first));

        // A burst of equal datagrams (sent as one GSO run when the kernel offers it) arrives as separate, intact datagrams.
        var burst = Enumerable.Range(0, 20).Select(i => Enumerable.Repeat((byte)i, 1316).ToArray()).ToArray();
        foreach (var datagram in burst)
        {
            await first.SendToAsync(datagram, forwarder);
        }

        foreach (var datagram in burst)
        {
            Assert.Equal(datagram, await ReceiveAsync(second));
        }

        await second.SendToAsync(new byte[] { 3, 3, 3 }, forwarder);
        Assert.Equal(new byte[] { 3, 3, 3 }, await ReceiveAsync(first));

        await stop.CancelAsync();
        Assert.Equal(0, await forwarding.WaitAsync(Timeout));
    }

    private static Socket Bind()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(Timeout);
        var length = await socket.ReceiveAsync(buffer, timeout.Token);
        return buffer[..length];
    }
}
