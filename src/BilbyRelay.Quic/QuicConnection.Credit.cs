using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic;

/// <summary>
/// Connection-level flow control against the shared <see cref="QuicMemoryBudget"/>. Credit comes back as soon as
/// received bytes sit in a stream's buffer (each stream's own window bounds that), so a stalled stream never stalls
/// the connection; what the connection may have outstanding is what the budget can still cover, and at least a
/// small floor while the engine holds little for this connection's peer (<see cref="Held"/>: its unconsumed bytes and
/// those moved on into other streams' outputs), so every edge whose bytes keep flowing keeps its control stream and a
/// share of throughput however much other edges pin, and an edge whose bytes pile up is the one that waits.
/// </summary>
/// <remarks>
/// The window a connection aims for starts at <see cref="CreditFloor"/> and doubles, up to
/// <see cref="QuicTransportSettings.ConnectionReceiveWindow"/>, each time the peer uses a whole window quickly: idle
/// edges reserve little of the budget and a fast tunnel still gets the window its bandwidth-delay product needs.
/// </remarks>
public sealed unsafe partial class QuicConnection
{
    /// <summary>
    /// Credit a connection may always have outstanding while the engine holds less than this for its peer: the initial
    /// max_data, granted before the budget can be asked, and the floor that keeps a light connection flowing.
    /// </summary>
    internal const long CreditFloor = 256 * 1024;

    // A window used up within this long is too small for the peer's rate: the target doubles.
    private const ulong CreditGrowWithinNanoseconds = 100_000_000;

    // loop: the window this connection aims to keep outstanding, and the epoch that measures how fast it is used.
    private long _creditTarget;
    private long _creditEpochBytes;
    private ulong _creditEpochStart;

    // loop: connection credit granted and not yet taken by received stream bytes, as reserved in the budget.
    private long _creditOutstanding;

    // Written by the loop, read by any thread: in the endpoint's list of connections whose credit is below the full window.
    private volatile bool _creditTopUpQueued;

    // Set by any thread when bytes held for this peer were released while it waited for credit.
    private int _creditRetryRequested;

    // loop: stream data arrived this turn; the window is topped up once before packets are written.
    private bool _creditTopUpDeferred;

    /// <summary>Receive window of the whole connection advertised in the transport parameters.</summary>
    private long InitialConnectionCredit => Math.Min(_settings.ConnectionReceiveWindow, CreditFloor);

    /// <summary>Loop thread, when the native connection is created: the transport parameters' max_data is outstanding.</summary>
    private void ReserveInitialCredit()
    {
        _creditOutstanding = InitialConnectionCredit;
        _creditTarget = _creditOutstanding;
        _creditEpochStart = MonotonicClock.NowNanoseconds;
        Budget.Reserve(_creditOutstanding);
    }

    /// <summary>Loop thread: <paramref name="bytes"/> of stream data arrived, taking that much outstanding credit.</summary>
    private void OnCreditTaken(long bytes)
    {
        var taken = Math.Min(bytes, _creditOutstanding);
        _creditOutstanding -= taken;
        Budget.Unreserve(taken);
        _creditEpochBytes += bytes;
        if (_creditEpochBytes >= _creditTarget)
        {
            var now = MonotonicClock.NowNanoseconds;
            if (now - _creditEpochStart < CreditGrowWithinNanoseconds)
            {
                _creditTarget = Math.Min(_creditTarget * 2, _settings.ConnectionReceiveWindow);
            }

            _creditEpochBytes = 0;
            _creditEpochStart = now;
        }

        // Every STREAM frame of a turn takes credit; one top-up before the turn's packets (WritePackets) grants it
        // back with one budget reservation and one MAX_DATA update, which no earlier packet could have carried anyway.
        _creditTopUpDeferred = true;
    }

    /// <summary>Loop thread, before writing packets: the top-up that stream data received this turn asked for.</summary>
    private void TopUpDeferredCredit()
    {
        if (_creditTopUpDeferred)
        {
            _creditTopUpDeferred = false;
            TopUpCredit();
        }
    }

    /// <summary>Loop thread: grants connection credit up to the target window, as far as the budget allows.</summary>
    private void TopUpCredit()
    {
        if (!TryTopUpCredit() && !_creditTopUpQueued)
        {
            // Nothing signals the loop when budget frees up elsewhere: the endpoint retries on a short period.
            _creditTopUpQueued = true;
            _endpoint.QueueCreditTopUp(this);
        }
    }

    /// <summary>
    /// Any thread (<see cref="HeldBytes"/>): bytes held for this peer went away, on whichever loop acknowledged them.
    /// A connection waiting for credit asks its loop to try at once instead of at the retry list's next period, so
    /// a light edge's floor comes back as fast as its bytes drain.
    /// </summary>
    internal void OnHeldReleased()
    {
        if (_creditTopUpQueued && Interlocked.Exchange(ref _creditRetryRequested, 1) == 0)
        {
            RequestService();
        }
    }

    /// <summary>Loop thread: the retry <see cref="OnHeldReleased"/> asked for (the list drops the connection once topped up).</summary>
    private void RetryCreditNow()
    {
        if (Interlocked.Exchange(ref _creditRetryRequested, 0) != 0 && _creditTopUpQueued && _state == ConnectionState.Established)
        {
            TryTopUpCredit();
        }
    }

    /// <summary>Loop thread, from the endpoint's retry list: true once the connection has its target window or ended.</summary>
    internal bool RetryCreditTopUp()
    {
        if (_state == ConnectionState.Established && !TryTopUpCredit())
        {
            return false;
        }

        _creditTopUpQueued = false;
        return true;
    }

    /// <summary>Loop thread: true when the connection has its target window (or cannot take credit at all).</summary>
    private bool TryTopUpCredit()
    {
        if (NativeConnection == null || (_state != ConnectionState.Established && _state != ConnectionState.Handshaking))
        {
            return true;
        }

        var wanted = _creditTarget - _creditOutstanding;
        if (wanted <= 0)
        {
            return true;
        }

        var floorRoom = CreditFloor - Held.Bytes - _creditOutstanding;
        var granted = Budget.TryReserve(wanted, floorRoom);
        if (granted > 0)
        {
            Ngtcp2.ngtcp2_conn_extend_max_offset(NativeConnection, (ulong)granted);
            _creditOutstanding += granted;
            _endpoint.MarkDirty(this);
        }

        return granted == wanted;
    }

    /// <summary>Loop thread, when the connection is freed: what the peer never used goes back to the budget.</summary>
    private void ReturnOutstandingCredit()
    {
        Budget.Unreserve(_creditOutstanding);
        _creditOutstanding = 0;
    }
}
