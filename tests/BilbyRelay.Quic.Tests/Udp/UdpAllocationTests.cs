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

    [Fact]
    public void ForwardingThroughCoalescedSendBatches_AfterWarmUp_AllocatesNothing()
    {
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var relay = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        using var received = new UdpReceiveBatch(16, UdpReceiveBatch.MaxBufferSize);
        using var drain = new UdpReceiveBatch(16);
        using var forwards = new UdpSendBatch(16);
        var toRelay = UdpTestSupport.Sockaddr(relay.LocalEndPoint);
        var toReceiver = UdpTestSupport.Sockaddr(receiver.LocalEndPoint);
        var datagram = new byte[1316];
        long forwarded = 0;

        RunIterations(10);
        var allocated = AllocationMeter.MinimumBytesPerRound(() => RunIterations(200));

        Assert.Equal(0, allocated);
        Assert.True(forwarded > 0);

        void RunIterations(int iterations)
        {
            for (var i = 0; i < iterations; i++)
            {
                for (var d = 0; d < 8; d++)
                {
                    sender.Send(datagram, toRelay, 0);
                }

                var count = relay.ReceiveBatch(received);
                for (var d = 0; d < count; d++)
                {
                    forwards.Add(received, d, toReceiver, coalesce: true);
                }

                forwarded += relay.SendBatch(forwards, out _, out _);
                while (receiver.ReceiveBatch(drain) > 0)
                {
                }
            }
        }
    }
}
