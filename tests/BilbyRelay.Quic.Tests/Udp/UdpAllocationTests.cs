using BilbyRelay.Quic.Udp;
using Xunit;
using BilbyRelay.Tests.Common;

namespace BilbyRelay.Quic.Tests.Udp;

public sealed class UdpAllocationTests
{
    [Fact]
    public void SendAndReceiveBatch_AfterWarmUp_AllocateNothing()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        using var fallbackSender = UdpTestSupport.BindLoopbackV4();
        fallbackSender.DisableGso();
        using var batch = new UdpReceiveBatch();
        using var poller = new EventLoopPoller();
        poller.Register(receiver.Handle);
        var destination = UdpTestSupport.Sockaddr(receiver.LocalEndPoint);
        var datagram = new byte[1200];
        var segmented = new byte[4 * 1200];
        var events = new PollEvent[4];

        var received = RunIterations(100);
        var allocated = AllocationMeter.MinimumBytesPerRound(() => received += RunIterations(1000));

        Assert.Equal(0, allocated);
        Assert.True(received > 0);

        long RunIterations(int iterations)
        {
            long total = 0;
            for (var i = 0; i < iterations; i++)
            {
                sender.Send(datagram, destination, 0);
                sender.Send(segmented, destination, 1200);
                fallbackSender.Send(segmented, destination, 1200);
                poller.Wake();
                _ = poller.Wait(0, events);
                total += receiver.ReceiveBatch(batch);
                total += receiver.ReceiveBatch(batch);
            }

            return total;
        }
    }
}
