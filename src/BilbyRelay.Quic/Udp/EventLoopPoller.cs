using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// The loop thread's wait primitive: level-triggered epoll over registered descriptors plus an eventfd that
/// other threads signal with <see cref="Wake"/>.
/// </summary>
/// <remarks>
/// <para>
/// Threading: <see cref="Register"/>, <see cref="Unregister"/>, <see cref="SetWritableInterest"/>,
/// <see cref="Wait"/>, <see cref="WokenByWaker"/> and <see cref="Dispose"/> belong to the loop thread.
/// <see cref="Wake"/> may be called from any thread at any time; after disposal it does nothing.
/// </para>
/// <para>
/// Wake-up contract: a burst of <see cref="Wake"/> calls costs one eventfd write. After a <see cref="Wait"/>
/// that reports <see cref="WokenByWaker"/>, the caller must drain whatever queue the wakers filled; a Wake that
/// races with that drain either is seen by it or signals the eventfd again, so none is lost.
/// </para>
/// <para>
/// Level-triggered: a readable socket that is not drained is reported again by the next Wait; ask for
/// writability only while there is something to send (otherwise every Wait returns at once).
/// </para>
/// </remarks>
internal sealed unsafe class EventLoopPoller : IDisposable
{
    /// <summary>Upper bound on events returned by one Wait (bounds the stack buffer).</summary>
    public const int MaxEventsPerWait = 256;

    private readonly Dictionary<int, uint> _interest = [];
    private int _epollFd;
    private int _eventFd;

    // 1 while an eventfd write is outstanding and not yet consumed by Wait; makes a burst of wakes one syscall.
    private int _wakePending;
    private long _wakeSignalCount;

    public EventLoopPoller()
    {
        _epollFd = Libc.epoll_create1(LibcConstants.EPOLL_CLOEXEC);
        if (_epollFd < 0)
        {
            throw UdpSocketException.FromLastError("epoll_create1");
        }

        _eventFd = Libc.eventfd(0, LibcConstants.EFD_NONBLOCK | LibcConstants.EFD_CLOEXEC);
        if (_eventFd < 0)
        {
            var error = UdpSocketException.FromLastError("eventfd");
            _ = Libc.close(_epollFd);
            throw error;
        }

        var registration = new epoll_event { events = LibcConstants.EPOLLIN, data = (ulong)_eventFd };
        if (Libc.epoll_ctl(_epollFd, LibcConstants.EPOLL_CTL_ADD, _eventFd, &registration) != 0)
        {
            var error = UdpSocketException.FromLastError("epoll_ctl(ADD eventfd)");
            _ = Libc.close(_eventFd);
            _ = Libc.close(_epollFd);
            throw error;
        }
    }

    ~EventLoopPoller() => Close();

    /// <summary>True when the last <see cref="Wait"/> consumed a <see cref="Wake"/> signal.</summary>
    public bool WokenByWaker { get; private set; }

    /// <summary>eventfd writes performed by <see cref="Wake"/> (bursts coalesce into one).</summary>
    internal long WakeSignalCount => Interlocked.Read(ref _wakeSignalCount);

    /// <summary>Starts watching <paramref name="fd"/>; events carry the fd back.</summary>
    /// <exception cref="UdpSocketException">epoll_ctl failed (e.g. already registered: EEXIST).</exception>
    public void Register(int fd, bool readable = true, bool writable = false)
    {
        var events = (readable ? LibcConstants.EPOLLIN : 0u) | (writable ? LibcConstants.EPOLLOUT : 0u);
        Control(LibcConstants.EPOLL_CTL_ADD, fd, events, "epoll_ctl(ADD)");
        _interest[fd] = events;
    }

    /// <summary>Stops watching <paramref name="fd"/>. Call before closing it.</summary>
    public void Unregister(int fd)
    {
        if (_interest.Remove(fd))
        {
            Control(LibcConstants.EPOLL_CTL_DEL, fd, 0, "epoll_ctl(DEL)");
        }
    }

    /// <summary>Turns write-readiness reporting for a registered <paramref name="fd"/> on or off (no syscall if unchanged).</summary>
    public void SetWritableInterest(int fd, bool on)
    {
        if (!_interest.TryGetValue(fd, out var events))
        {
            throw new InvalidOperationException($"Descriptor {fd} is not registered.");
        }

        var updated = on ? events | LibcConstants.EPOLLOUT : events & ~LibcConstants.EPOLLOUT;
        if (updated != events)
        {
            Control(LibcConstants.EPOLL_CTL_MOD, fd, updated, "epoll_ctl(MOD)");
            _interest[fd] = updated;
        }
    }

    /// <summary>
    /// Blocks until a registered descriptor is ready, <see cref="Wake"/> is called, or the timeout passes.
    /// </summary>
    /// <param name="timeoutMs">Milliseconds; 0 polls, -1 waits forever. Round sub-millisecond timers up
    /// (<see cref="TimeoutFromNanoseconds"/>) so a timer is never serviced early.</param>
    /// <param name="events">Receives up to <see cref="MaxEventsPerWait"/> events; any left over are reported by the next Wait.</param>
    /// <returns>Number of entries written to <paramref name="events"/>, not counting the waker, which is reported
    /// through <see cref="WokenByWaker"/>. 0 on timeout or when a signal interrupted the wait.</returns>
    [SkipLocalsInit]
    public int Wait(int timeoutMs, Span<PollEvent> events)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMs, -1);
        if (events.IsEmpty)
        {
            throw new ArgumentException("Room for at least one event is needed.", nameof(events));
        }

        ObjectDisposedException.ThrowIf(_epollFd < 0, this);
        var capacity = Math.Min(events.Length, MaxEventsPerWait);
        var ready = stackalloc epoll_event[capacity];
        var readyCount = Libc.epoll_wait(_epollFd, ready, capacity, timeoutMs);
        WokenByWaker = false;
        if (readyCount < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibcConstants.EINTR)
            {
                return 0;
            }

            throw new UdpSocketException("epoll_wait", null, errno);
        }

        var count = 0;
        for (var i = 0; i < readyCount; i++)
        {
            var fd = (int)ready[i].data;
            if (fd == _eventFd)
            {
                ConsumeWake();
                WokenByWaker = true;
                continue;
            }

            var flags = ready[i].events;
            var failed = (flags & (LibcConstants.EPOLLERR | LibcConstants.EPOLLHUP)) != 0;
            events[count++] = new PollEvent(
                fd,
                Readable: failed || (flags & LibcConstants.EPOLLIN) != 0,
                Writable: failed || (flags & LibcConstants.EPOLLOUT) != 0);
        }

        return count;
    }

    /// <summary>
    /// Makes the current or next <see cref="Wait"/> return with <see cref="WokenByWaker"/> set. Thread-safe;
    /// calls made before the loop consumes the signal are coalesced into one eventfd write.
    /// </summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) != 0)
        {
            return;
        }

        var eventFd = Volatile.Read(ref _eventFd);
        if (eventFd < 0)
        {
            return;
        }

        ulong one = 1;
        Interlocked.Increment(ref _wakeSignalCount);

        // Can only fail with EAGAIN when the counter is near overflow (impossible here) or EBADF after disposal.
        _ = Libc.write(eventFd, &one, sizeof(ulong));
    }

    /// <summary>Converts a timer delay in nanoseconds to a Wait timeout, rounding up; negative delays mean "now".</summary>
    public static int TimeoutFromNanoseconds(long delayNanoseconds)
    {
        if (delayNanoseconds <= 0)
        {
            return 0;
        }

        var milliseconds = (delayNanoseconds / 1_000_000) + (delayNanoseconds % 1_000_000 == 0 ? 0 : 1);
        return (int)Math.Min(milliseconds, int.MaxValue);
    }

    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    // Read the counter first, then clear the flag: a Wake that lands in between saw the flag set and skipped its
    // write, but it happened before this Wait returned, so the caller's drain that follows sees its work. The
    // clear is a full fence (Exchange, not a release store) so it cannot be reordered after the drain's loads.
    private void ConsumeWake()
    {
        ulong value;
        _ = Libc.read(_eventFd, &value, sizeof(ulong));
        _ = Interlocked.Exchange(ref _wakePending, 0);
    }

    private void Control(int operation, int fd, uint events, string what)
    {
        ObjectDisposedException.ThrowIf(_epollFd < 0, this);
        var registration = new epoll_event { events = events, data = (ulong)fd };
        if (Libc.epoll_ctl(_epollFd, operation, fd, &registration) != 0)
        {
            throw UdpSocketException.FromLastError(what, $"fd {fd}");
        }
    }

    private void Close()
    {
        var eventFd = Interlocked.Exchange(ref _eventFd, -1);
        if (eventFd >= 0)
        {
            _ = Libc.close(eventFd);
        }

        var epollFd = Interlocked.Exchange(ref _epollFd, -1);
        if (epollFd >= 0)
        {
            _ = Libc.close(epollFd);
        }
    }
}
