using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic;

/// <summary>
/// Send side. The loop is the output pipe's only reader: it hands unsent bytes to ngtcp2 by pointer (the pool's
/// blocks never move) and advances the pipe only when ngtcp2 reports them acknowledged, which is what releases
/// memory and lets a waiting writer go on.
/// </summary>
public sealed unsafe partial class QuicStream
{
    // _sendHeld is set to this once the send pipe's reader is completed; later commits then charge nothing.
    private const long SendReleased = long.MinValue / 2;

    // Fewer unsent bytes than this in the runs the loop holds: look at the send pipe again before the next packet.
    private const long UnsentRunsRefillBytes = 4096;

    private readonly Pipe _sendPipe;

    // Bytes committed to the send pipe and not yet acknowledged, as charged to _sendHeldFor:
    // +application on commit, -loop on acknowledgement.
    private long _sendHeld;

    // Whose peer the output bytes came from: this stream's own connection unless HoldOutputFor said otherwise.
    private volatile HeldBytes _sendHeldFor;

    private readonly long _sendBufferLimit;
    private readonly long _sendUnsentLimit;

    // Written by the loop, read by writers and splice sources: the peer's flow control held the last write back and
    // nothing was sent since. Bytes queued then wait for the receiving application to read, and what it has not read
    // yet already sits in its own window: a splice that queued more would only pin its sender's bytes here instead of
    // leaving them with the sender (see PeerBlockedUnsentLimit).
    private volatile bool _peerWindowExhausted;
    private readonly SendProgressSignal _sendProgress = new();

    // Bytes committed to the send pipe since the stream began: application on commit.
    private long _sendCommitted;

    // Bytes handed to ngtcp2 since the stream began: written by the loop, also read by the writer.
    private long _sendSent;

    // Bytes acknowledged since the stream began: written by the loop, also read by the writer.
    private long _sendAcked;

    // loop: the unsent bytes as the loop last saw them in the send pipe, as runs it hands to ngtcp2 packet after
    // packet without looking at the pipe (a lock and a walk over its segments) again. Safe because the pool's blocks
    // never move and nothing unsent is released; looked at again once fewer than UnsentRunsRefillBytes remain.
    private UnsentRuns _unsentRuns;
    private int _unsentRunCount;
    private int _unsentRunFirst;
    private long _unsentRunBytes;
    private bool _unsentRunsEndWithFin;

    // loop
    private bool _finSent;
    private bool _sendReaderCompleted;
    private bool _nativeClosed;

    // Set by whichever abort comes first (local reset, peer STOP_SENDING, connection end). An abort whose error code
    // is not known yet (STOP_SENDING detected through NGTCP2_ERR_STREAM_SHUT_WR) may be replaced once by the coded one
    // that stream_close reports.
    private QuicStreamAbortedException? _writeAbort;
    private volatile bool _writeAborted;
    private volatile bool _writeAbortCodeKnown;

    /// <summary>Loop: in its connection's round-robin send queue.</summary>
    internal bool InSendQueue { get; set; }

    /// <summary>
    /// Unsent bytes a splice target may hold while the peer's flow control holds it back (instead of
    /// <see cref="QuicTransportSettings.StreamSendUnsentLimit"/>, which is for waiting on the network): enough to send
    /// at once when the peer opens its window, while the splice's sender refills. An application writer keeps the
    /// full limit: its bytes are its own and would otherwise wait in its memory.
    /// </summary>
    internal const long PeerBlockedUnsentLimit = 32 * 1024;

    /// <summary>Loop: ngtcp2 said the peer's stream window is exhausted; re-queued on extend_max_stream_data.</summary>
    internal bool IsFlowControlBlocked { get; private set; }

    /// <summary>Loop thread: ngtcp2 refused to send because the peer's flow control is exhausted.</summary>
    internal void OnPeerFlowControlBlocked()
    {
        IsFlowControlBlocked = true;
        _peerWindowExhausted = true;
    }

    /// <summary>Loop thread: worth trying to send again (the peer may have opened its window, or stopped reading).</summary>
    internal void ClearFlowControlBlocked() => IsFlowControlBlocked = false;

    internal QuicStreamAbortedException? WriteAbort => Volatile.Read(ref _writeAbort);

    /// <summary>Loop thread: describes unsent bytes (up to <paramref name="maxVectors"/> segments) and whether FIN may go with them.</summary>
    internal bool TryGetSendData(ngtcp2_vec* vectors, int maxVectors, out int count, out long length, out bool fin)
    {
        count = 0;
        length = 0;
        fin = false;
        if (_sendReaderCompleted || _finSent || _writeAborted || _nativeClosed)
        {
            return false;
        }

        if (_unsentRunBytes < UnsentRunsRefillBytes && !_unsentRunsEndWithFin)
        {
            RefillUnsentRuns();
        }

        var last = Math.Min(_unsentRunCount, _unsentRunFirst + maxVectors);
        for (var i = _unsentRunFirst; i < last; i++)
        {
            vectors[count++] = _unsentRuns[i];
            length += (long)_unsentRuns[i].len;
        }

        fin = _unsentRunsEndWithFin && last == _unsentRunCount;
        return count > 0 || fin;
    }

    /// <summary>Loop thread: looks at the send pipe again for the unsent bytes (at most <see cref="UnsentRuns"/> segments).</summary>
    private void RefillUnsentRuns()
    {
        _unsentRunCount = 0;
        _unsentRunFirst = 0;
        _unsentRunBytes = 0;
        _unsentRunsEndWithFin = false;
        var reader = _sendPipe.Reader;
        if (!reader.TryRead(out var result))
        {
            return;
        }

        var buffer = result.Buffer;
        var unsent = buffer.Slice(_sendSent - _sendAcked);
        foreach (var segment in unsent)
        {
            if (_unsentRunCount == UnsentRuns.Length)
            {
                break;
            }

            if (segment.IsEmpty)
            {
                continue;
            }

            _unsentRuns[_unsentRunCount].@base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(segment.Span));
            _unsentRuns[_unsentRunCount].len = (nuint)segment.Length;
            _unsentRunCount++;
            _unsentRunBytes += segment.Length;
        }

        _unsentRunsEndWithFin = result.IsCompleted && _unsentRunBytes == unsent.Length;

        // Nothing consumed and nothing marked examined: marking bytes examined would make the next TryRead report
        // no data until more is written.
        reader.AdvanceTo(buffer.Start);
    }

    /// <summary>Loop thread: the first <paramref name="bytes"/> of the unsent runs were handed to ngtcp2.</summary>
    private void ConsumeUnsentRuns(long bytes)
    {
        _unsentRunBytes -= bytes;
        while (bytes > 0 && _unsentRunFirst < _unsentRunCount)
        {
            ref var run = ref _unsentRuns[_unsentRunFirst];
            if (bytes < (long)run.len)
            {
                run.@base += bytes;
                run.len -= (nuint)bytes;
                return;
            }

            bytes -= (long)run.len;
            _unsentRunFirst++;
        }
    }

    /// <summary>Loop thread: ngtcp2 took <paramref name="bytes"/> more (and the FIN when <paramref name="finSent"/>).</summary>
    internal void OnDataSent(long bytes, bool finSent)
    {
        ConsumeUnsentRuns(bytes);
        Volatile.Write(ref _sendSent, _sendSent + bytes);
        if (bytes > 0 && _peerWindowExhausted)
        {
            _peerWindowExhausted = false;
        }

        if (finSent)
        {
            _finSent = true;
        }

        OnSendProgress();
    }

    /// <summary>
    /// Writer, after a flush: waits while more than <see cref="QuicTransportSettings.StreamSendBufferLimit"/> committed
    /// bytes are unacknowledged or more than <see cref="QuicTransportSettings.StreamSendUnsentLimit"/> wait to be sent,
    /// until the loop is down to half of both or the stream is aborted (true), or until
    /// <see cref="CancelSendProgressWait"/> (false).
    /// </summary>
    internal ValueTask<bool> WaitForSendProgressAsync()
    {
        if (HasRoom(halfLimits: false) || _writeAborted)
        {
            return new ValueTask<bool>(true);
        }

        var wait = _sendProgress.Arm();
        if (HasRoom(halfLimits: true) || _writeAborted)
        {
            _sendProgress.Release();
        }

        return wait;
    }

    /// <summary>Any thread: a writer waiting for send progress stops waiting (its flush was cancelled).</summary>
    internal void CancelSendProgressWait() => _sendProgress.Cancel();

    /// <summary>
    /// Any thread: the output is within its limits (or within half of them, the point at which a writer that had to
    /// wait goes on, so it does not wake for every acknowledgement). A splice target's unsent limit is the smaller
    /// <see cref="PeerBlockedUnsentLimit"/> while the peer's flow control holds the output back.
    /// </summary>
    private bool HasRoom(bool halfLimits)
    {
        var committed = Interlocked.Read(ref _sendCommitted);
        var divisor = halfLimits ? 2 : 1;
        var unsentLimit = _peerWindowExhausted && _spliceSource is not null
            ? Math.Min(_sendUnsentLimit, PeerBlockedUnsentLimit)
            : _sendUnsentLimit;
        return committed - Volatile.Read(ref _sendSent) <= unsentLimit / divisor
            && committed - Volatile.Read(ref _sendAcked) <= _sendBufferLimit / divisor;
    }

    /// <summary>Loop thread: bytes were sent or acknowledged; whoever waits for room may go on.</summary>
    private void OnSendProgress()
    {
        if (_sendProgress.IsArmed && HasRoom(halfLimits: true))
        {
            _sendProgress.Release();
        }

        OnSpliceTargetProgress();
    }

    /// <summary>Loop thread: everything below <paramref name="ackedEnd"/> is acknowledged and no longer used by ngtcp2.</summary>
    internal void OnDataAcknowledged(ulong ackedEnd)
    {
        var acked = (long)ackedEnd;
        if (acked <= _sendAcked || _sendReaderCompleted)
        {
            return;
        }

        var reader = _sendPipe.Reader;
        if (reader.TryRead(out var result))
        {
            var advance = Math.Min(acked - _sendAcked, result.Buffer.Length);
            reader.AdvanceTo(result.Buffer.GetPosition(advance));
            Volatile.Write(ref _sendAcked, _sendAcked + advance);
            Interlocked.Add(ref _sendHeld, -advance);
            _sendHeldFor.Release(advance);
            OnSendProgress();
        }
    }

    /// <summary>
    /// Loop thread: ngtcp2 refused data with NGTCP2_ERR_STREAM_SHUT_WR although we did not abort: the peer sent
    /// STOP_SENDING (ngtcp2 answered with RESET_STREAM itself). ngtcp2 1.11 reports the peer's code only when the
    /// stream closes; until then the exception carries code 0.
    /// </summary>
    internal void OnPeerStopSending() =>
        SetWriteAbort(
            new QuicStreamAbortedException(0, byPeer: true, QuicStreamAbortKind.StopSending,
                "The peer stopped reading the stream (STOP_SENDING); its error code is known once the stream closes."),
            codeKnown: false);

    /// <summary>Loop thread: ngtcp2 closed the stream; it no longer references our output memory.</summary>
    internal void OnNativeClosed(long? errorCode)
    {
        _nativeClosed = true;
        if (!_receiveCompleted)
        {
            StopReceiving(new QuicStreamAbortedException(errorCode ?? 0, byPeer: true, QuicStreamAbortKind.Reset));
        }

        if (!_finSent && CanWrite)
        {
            SetWriteAbort(new QuicStreamAbortedException(errorCode ?? 0, byPeer: true, QuicStreamAbortKind.StopSending), codeKnown: errorCode.HasValue);
        }

        ReleaseSendBuffer();
    }

    /// <summary>Loop thread: the connection ended; pending and future reads/writes fail.</summary>
    internal void OnConnectionClosed(QuicConnectionCloseInfo info)
    {
        var error = new QuicStreamAbortedException(NativeErrors.Describe(info), NativeErrors.ConnectionEnded(info));
        if (!_receiveCompleted)
        {
            StopReceiving(error);
        }

        AbandonSplice();
        SetWriteAbort(error);
    }

    /// <summary>Loop thread: the ngtcp2 connection was deleted.</summary>
    internal void OnConnectionFreed()
    {
        _nativeClosed = true;
        if (!_receiveCompleted)
        {
            StopReceiving(new QuicStreamAbortedException("The connection ended before the stream finished.", new QuicException(QuicError.ConnectionClosed, "The connection ended.")));
        }

        AbandonSplice();
        ReleaseSendBuffer();
    }

    private void ReleaseSendBuffer()
    {
        if (!_sendReaderCompleted)
        {
            _sendReaderCompleted = true;
            _sendPipe.Reader.Complete();
            var held = Interlocked.Exchange(ref _sendHeld, SendReleased);
            _sendHeldFor.Release(held);
            _sendProgress.Release();
            OnSpliceTargetFailed();
        }
    }

    /// <summary>Any thread: the first abort wins; wakes a writer waiting in FlushAsync so it sees the exception.</summary>
    private void SetWriteAbort(QuicStreamAbortedException error, bool codeKnown = true)
    {
        var previous = Interlocked.CompareExchange(ref _writeAbort, error, null);
        if (previous is null)
        {
            _writeAbortCodeKnown = codeKnown;
            _writeAborted = true;
            _sendPipe.Writer.CancelPendingFlush();
            _sendProgress.Release();
            OnSpliceTargetFailed();
        }
        else if (codeKnown && !_writeAbortCodeKnown && Interlocked.CompareExchange(ref _writeAbort, error, previous) == previous)
        {
            _writeAbortCodeKnown = true;
        }
    }

    /// <summary>Application thread: <paramref name="bytes"/> are about to be committed to the send pipe; they count against the budget until acknowledged.</summary>
    internal void OnOutputCommitting(long bytes)
    {
        if (bytes <= 0)
        {
            return;
        }

        Interlocked.Add(ref _sendCommitted, bytes);
        if (Interlocked.Add(ref _sendHeld, bytes) < SendReleased / 2)
        {
            return;
        }

        _sendHeldFor.Charge(bytes);
    }

    /// <summary>
    /// Any thread, before anything is flushed to <see cref="Output"/>: what is written to it comes from the peer that
    /// <paramref name="source"/> accounts for (a relay splicing another connection's stream into this one), so until
    /// acknowledged it counts as held for that peer, whose connection credit it then limits. Without this call a
    /// stream's output counts for its own connection.
    /// </summary>
    /// <exception cref="InvalidOperationException">Bytes were already flushed to <see cref="Output"/>.</exception>
    public void HoldOutputFor(HeldBytes source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Interlocked.Read(ref _sendCommitted) != 0)
        {
            throw new InvalidOperationException("Bytes already flushed to the output are held for this stream's own connection.");
        }

        _sendHeldFor = source;
    }

    /// <summary>Application thread: data was flushed or the writer completed; the loop should look at the pipe.</summary>
    internal void OnOutputFlushed() => Request(FlagFlushed);

    /// <summary>Loop thread: the output has more to send; queues the stream unless it can no longer send.</summary>
    private void QueueOutput()
    {
        if (!_nativeClosed && CanWrite && !_writeAborted)
        {
            _connection.EnqueueSend(this);
        }
    }

    /// <summary>Up to this many segments of unsent bytes are described at a time.</summary>
    [InlineArray(16)]
    private struct UnsentRuns
    {
        public const int Length = 16;

        private ngtcp2_vec _first;
    }
}
