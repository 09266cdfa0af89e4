using System.Diagnostics;
using BilbyRelay.Quic.Udp;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

public sealed class EventLoopPollerTests
{
    private const int GenerousTimeoutMs = 10_000;

    [Fact]
    public async Task WakeFromAnotherThread_EndsWaitAsWoken()
    {
        using var poller = new EventLoopPoller();
        var events = new PollEvent[4];
        using var waiting = new ManualResetEventSlim();
        var waker = Task.Run(() =>
        {
            waiting.Wait();
            poller.Wake();
        });

        var clock = Stopwatch.StartNew();
        waiting.Set();
        var count = poller.Wait(GenerousTimeoutMs, events);
        clock.Stop();
        await waker;

        Assert.Equal(0, count);
        Assert.True(poller.WokenByWaker);
        Assert.True(clock.ElapsedMilliseconds < GenerousTimeoutMs, $"Wait took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void ManyWakes_BeforeWait_CoalesceIntoOneSignal()
    {
        using var poller = new EventLoopPoller();
        var events = new PollEvent[4];

        for (var i = 0; i < 1000; i++)
        {
            poller.Wake();
        }

        Assert.Equal(1, poller.WakeSignalCount);
        Assert.Equal(0, poller.Wait(GenerousTimeoutMs, events));
        Assert.True(poller.WokenByWaker);

        // The signal was consumed: a poll sees nothing, and the next wake signals again.
        Assert.Equal(0, poller.Wait(0, events));
        Assert.False(poller.WokenByWaker);
        poller.Wake();
        Assert.Equal(2, poller.WakeSignalCount);
    }

    [Fact]
    public void WakesFromManyThreads_BeforeWait_CoalesceIntoOneSignal()
    {
        using var poller = new EventLoopPoller();

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 1000; i++)
            {
                poller.Wake();
            }
        });

        Assert.Equal(1, poller.WakeSignalCount);
    }

    [Fact]
    public void RegisteredSocket_ReportsReadableWhenDatagramArrives()
    {
        using var poller = new EventLoopPoller();
        using var sender = UdpTestSupport.BindLoopbackV4();
        using var receiver = UdpTestSupport.BindLoopbackV4();
        var events = new PollEvent[4];
        poller.Register(receiver.Handle);
        Assert.Equal(0, poller.Wait(0, events));

        sender.Send([42], UdpTestSupport.Sockaddr(receiver.LocalEndPoint), 0);
        var count = poller.Wait(GenerousTimeoutMs, events);

        Assert.Equal(1, count);
        Assert.Equal(new PollEvent(receiver.Handle, Readable: true, Writable: false), events[0]);
        Assert.False(poller.WokenByWaker);
    }

    [Fact]
    public void WritableInterest_ReportedOnlyWhileOn()
    {
        using var poller = new EventLoopPoller();
        using var socket = UdpTestSupport.BindLoopbackV4();
        var events = new PollEvent[4];
        poller.Register(socket.Handle, readable: true, writable: false);
        Assert.Equal(0, poller.Wait(0, events));

        poller.SetWritableInterest(socket.Handle, true);
        Assert.Equal(1, poller.Wait(GenerousTimeoutMs, events));
        Assert.Equal(new PollEvent(socket.Handle, Readable: false, Writable: true), events[0]);

        poller.SetWritableInterest(socket.Handle, false);
        Assert.Equal(0, poller.Wait(0, events));
    }

    [Fact]
    public void Unregister_StopsReports()
    {
        using var poller = new EventLoopPoller();
        using var socket = UdpTestSupport.BindLoopbackV4();
        var events = new PollEvent[4];
        poller.Register(socket.Handle, readable: false, writable: true);
        Assert.Equal(1, poller.Wait(0, events));

        poller.Unregister(socket.Handle);

        Assert.Equal(0, poller.Wait(0, events));
        Assert.Throws<InvalidOperationException>(() => poller.SetWritableInterest(socket.Handle, true));
    }

    [Fact]
    public void WakeAfterDispose_IsIgnored()
    {
        var poller = new EventLoopPoller();
        poller.Dispose();

        poller.Wake();

        Assert.Equal(0, poller.WakeSignalCount);
    }

    [Theory]
    [InlineData(-5L, 0)]
    [InlineData(0L, 0)]
    [InlineData(1L, 1)]
    [InlineData(1_000_000L, 1)]
    [InlineData(1_000_001L, 2)]
    [InlineData(long.MaxValue, int.MaxValue)]
    public void TimeoutFromNanoseconds_RoundsUp(long nanoseconds, int expected)
    {
        Assert.Equal(expected, EventLoopPoller.TimeoutFromNanoseconds(nanoseconds));
    }
}
