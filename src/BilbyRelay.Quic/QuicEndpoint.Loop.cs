using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Udp;

namespace BilbyRelay.Quic;

internal sealed unsafe partial class QuicEndpoint
{
    private const ulong CreditRecheckNanoseconds = 5_000_000;
    private static readonly Predicate<QuicConnection> s_creditToppedUp = static connection => connection.RetryCreditTopUp();

    private void RunLoop()
    {
        _loopThreadId = Environment.CurrentManagedThreadId;
        Span<PollEvent> events = stackalloc PollEvent[4];
        try
        {
            var more = false;
            while (!_stopRequested)
            {
                var ready = _poller.Wait(ComputeWaitTimeout(), events);
                ThrowInjectedFault();
                SendPending();
                var now = MonotonicClock.NowNanoseconds;

                // Only read when the socket has something, or the last turn stopped with datagrams left (level-triggered,
                // the poll says so too): a turn started by a timer or another loop's wake would otherwise cost a
                // receive call that finds nothing.
                more = (more || IsSocketReadable(events[..ready])) && ReceiveAvailable(now);
                RunWorkItems();
                RetryShortCredit(MonotonicClock.NowNanoseconds);
                RunTimers(MonotonicClock.NowNanoseconds);
                FlushDirty(MonotonicClock.NowNanoseconds);
                CountBusyTime(now);
            }
        }
        catch (Exception e)
        {
            // A listener's loop reports to its owner, who decides what a dead loop means for the process.
            if (Listener?.OnLoopFaulted(this, e) != true)
            {
                Emit(QuicLogLevel.Error, 0, $"QUIC loop on {LocalEndPoint} failed: {e}");
            }
        }
        finally
        {
            Shutdown();
        }
    }

    private bool IsSocketReadable(ReadOnlySpan<PollEvent> ready)
    {
        foreach (var e in ready)
        {
            if (e.Readable && e.Fd == _socket.Handle)
            {
                return true;
            }
        }

        return false;
    }

    private int ComputeWaitTimeout()
    {
        if (!_work.IsEmpty)
        {
            return 0;
        }

        // Short credit is retried on a short period; otherwise the loop sleeps up to a second between timers.
        var longest = _creditShort.Count > 0 ? (int)(CreditRecheckNanoseconds / 1_000_000) : 1000;
        if (!_timers.TryPeek(out _, out var expiry))
        {
            return longest;
        }

        var now = MonotonicClock.NowNanoseconds;
        if (expiry <= now)
        {
            return 0;
        }

        var ms = (expiry - now + 999_999) / 1_000_000;
        return (int)Math.Min(ms, (ulong)longest);
    }

    /// <summary>Commits what splice sources moved this turn (<see cref="QueueSpliceCommit"/>), before packets are written.</summary>
    private void CommitSplices()
    {
        // A commit queues nothing: only moving received bytes does.
        foreach (var source in _spliceCommits)
        {
            source.CommitSplicedBytes();
        }

        _spliceCommits.Clear();
    }

    /// <summary>
    /// Reads and processes datagrams, for at most <see cref="MaxReceiveBatchesPerTurn"/> batches and
    /// <see cref="ReceiveTurnNanoseconds"/>; returns true when it stopped with more possibly waiting.
    /// </summary>
    private bool ReceiveAvailable(ulong now)
    {
        for (var turn = 0; turn < MaxReceiveBatchesPerTurn; turn++)
        {
            if (turn > 0 && MonotonicClock.NowNanoseconds - now >= ReceiveTurnNanoseconds)
            {
                return true;
            }

            int count;
            try
            {
                count = _socket.ReceiveBatch(_receiveBatch);
            }
            catch (UdpSocketException e)
            {
                CountReceiveError();
                Emit(QuicLogLevel.Warning, 0, $"UDP receive failed: {e.Message}");
                return false;
            }

            if (count == 0)
            {
                return false;
            }

            for (var i = 0; i < count; i++)
            {
                var length = _receiveBatch.PayloadLength(i);
                Interlocked.Add(ref _bytesReceived, length);
                if (_receiveBatch.IsTruncated(i) || length == 0)
                {
                    Interlocked.Increment(ref _packetsReceived);
                    Interlocked.Increment(ref _packetsDropped);
                    continue;
                }

                // A slot may hold several datagrams of one sender that the kernel coalesced (receive offload).
                var segmentSize = _receiveBatch.SegmentSize(i);
                if (segmentSize <= 0 || segmentSize > length)
                {
                    segmentSize = length;
                }

                var payload = _receiveBatch.PayloadPointer(i);
                for (var offset = 0; offset < length; offset += segmentSize)
                {
                    Interlocked.Increment(ref _packetsReceived);
                    ProcessReceived(payload + offset, Math.Min(segmentSize, length - offset), i, now);
                }
            }

            if (count < _receiveBatch.Capacity)
            {
                return false;
            }
        }

        return true;
    }

    private void ProcessReceived(byte* datagram, int length, int slot, ulong now)
    {
        try
        {
            ProcessDatagram(datagram, length, _receiveBatch.SourceAddressPointer(slot), _receiveBatch.SourceAddressLength(slot), now);
        }
        catch (Exception e)
        {
            Interlocked.Increment(ref _packetsDropped);
            Emit(QuicLogLevel.Error, 0, $"Processing a datagram failed: {e}");
        }
    }

    private void RunWorkItems()
    {
        // Bounded so a producer that posts continuously cannot starve the socket.
        var budget = _work.Count + 16;
        while (budget-- > 0 && _work.TryDequeue(out var item))
        {
            try
            {
                item.Execute();
            }
            catch (Exception e)
            {
                Emit(QuicLogLevel.Error, 0, $"A QUIC loop work item failed: {e}");
            }
        }
    }

    private void RetryShortCredit(ulong now)
    {
        if (_creditShort.Count == 0 || now - _creditCheckedAt < CreditRecheckNanoseconds)
        {
            return;
        }

        _creditCheckedAt = now;
        _creditShort.RemoveAll(s_creditToppedUp);
    }

    private void RunTimers(ulong now)
    {
        while (_timers.TryPeek(out var connection, out var expiry) && expiry <= now)
        {
            _timers.Dequeue();
            if (connection.IsFreed || connection.ScheduledExpiry != expiry)
            {
                continue;
            }

            connection.ScheduledExpiry = ulong.MaxValue;
            try
            {
                connection.OnTimer(now);
            }
            catch (Exception e)
            {
                connection.OnLoopException(e);
            }

            if (!connection.IsFreed)
            {
                MarkDirty(connection);
            }
        }
    }

    /// <summary>Sends what a full socket buffer refused earlier; stops waiting for writability once it is all out.</summary>
    private void SendPending()
    {
        if (!_pendingSend.IsPending)
        {
            return;
        }

        try
        {
            if (!_pendingSend.TrySend(_socket))
            {
                return;
            }
        }
        catch (UdpSocketException e)
        {
            CountFailedSend(e);
            _pendingSend.Discard();
        }

        _poller.SetWritableInterest(_socket.Handle, on: false);
    }

    private void FlushDirty(ulong now)
    {
        CommitSplices();
        // Index loop: flushing may mark further connections dirty (never the list being iterated backwards).
        var flushed = 0;
        for (var i = 0; i < _dirty.Count && !_pendingSend.IsPending; i++, flushed++)
        {
            var connection = _dirty[i];
            connection.IsDirty = false;
            if (connection.IsFreed)
            {
                continue;
            }

            try
            {
                connection.WritePackets(now);
            }
            catch (Exception e)
            {
                connection.OnLoopException(e);
            }

            if (!connection.IsFreed)
            {
                Reschedule(connection);
            }
        }

        // While packets wait for the socket the rest stay dirty (in order) for the turn that finds it writable.
        _dirty.RemoveRange(0, flushed);
    }

    private void Shutdown()
    {
        foreach (var connection in _connections.ToArray())
        {
            try
            {
                connection.CloseForShutdown(MonotonicClock.NowNanoseconds, _stopSilently);
            }
            catch (Exception e)
            {
                Emit(QuicLogLevel.Error, connection.Id, $"Closing a connection at shutdown failed: {e}");
            }
        }

        _connections.Clear();
        Volatile.Write(ref _connectionCount, 0);
        _routes.Clear();
        _poller.Dispose();
        _socket.Dispose();
        _receiveBatch.Dispose();
        _pendingSend.Dispose();
        System.Runtime.InteropServices.NativeMemory.AlignedFree(_sendBuffer);
        System.Runtime.InteropServices.NativeMemory.Free(_writePath);
        System.Runtime.InteropServices.NativeMemory.Free(_localAddress);
        System.Runtime.InteropServices.NativeMemory.Free(_resetSecret);
        _stopped.TrySetResult();
    }
}
