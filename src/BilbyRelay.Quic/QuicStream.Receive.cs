using System.Buffers;
using System.IO.Pipelines;

namespace BilbyRelay.Quic;

/// <summary>Receive side: the loop writes into the input pipe; consumption by the application returns credit.</summary>
public sealed partial class QuicStream
{
    // _unconsumed is set to this once reading has ended; later consumption reports then grant nothing twice.
    private const long ReadingEnded = long.MinValue / 2;

    private readonly Pipe _receivePipe;

    // loop: the input pipe's writer is completed (FIN, reset, abort, connection end).
    private bool _receiveCompleted;

    // Bytes written into the input pipe and not yet consumed: +loop on receive, -application on AdvanceTo.
    private long _unconsumed;

    // Set by the application when it completes Input.
    private volatile bool _inputReaderCompleted;

    // loop: bytes the peer may send ahead of consumption; credit returned on consumption keeps it there.
    private long _receiveWindow;

    // Largest window a reader asked for (EnsureReceiveWindow); any thread.
    private long _receiveWindowWanted;

    /// <summary>
    /// Any thread: the reader needs <paramref name="bytes"/> unconsumed bytes to make progress (a frame longer than
    /// the window the stream started with). Widens the stream's window to that, up to
    /// <see cref="QuicTransportSettings.StreamReceiveWindow"/>; never narrows it.
    /// </summary>
    public void EnsureReceiveWindow(long bytes)
    {
        var wanted = Math.Min(bytes, _connection.MaxStreamReceiveWindow);
        var current = Interlocked.Read(ref _receiveWindowWanted);
        while (wanted > current)
        {
            var seen = Interlocked.CompareExchange(ref _receiveWindowWanted, wanted, current);
            if (seen == current)
            {
                Request(FlagReceiveWindow);
                return;
            }

            current = seen;
        }
    }

    /// <summary>Loop thread: grants the credit that takes the window to what the reader asked for.</summary>
    private void WidenReceiveWindow()
    {
        var wanted = Interlocked.Read(ref _receiveWindowWanted);
        if (wanted <= _receiveWindow || _nativeClosed || _receiveCompleted)
        {
            return;
        }

        _connection.ExtendStreamCredit(this, wanted - _receiveWindow);
        _receiveWindow = wanted;
    }

    /// <summary>Loop thread, inside recv_stream_data. False when the bytes were discarded (the caller returns their credit).</summary>
    internal bool OnDataReceived(ReadOnlySpan<byte> data, bool fin)
    {
        if (_receiveCompleted || _inputReaderCompleted)
        {
            return false;
        }

        if (_spliceActive && TrySpliceReceived(data, fin))
        {
            return true;
        }

        if (!data.IsEmpty)
        {
            Interlocked.Add(ref _unconsumed, data.Length);
            _connection.Held.Charge(data.Length);
            var writer = _receivePipe.Writer;
            writer.Write(data);
            // The pause threshold is disabled, so this completes synchronously and never blocks the loop.
            var flush = writer.FlushAsync();
            if (flush.IsCompleted)
            {
                flush.GetAwaiter().GetResult();
            }
            else
            {
                _ = flush.AsTask();
            }
        }

        if (fin)
        {
            _receivePipe.Writer.Complete();
            _receiveCompleted = true;
        }

        return true;
    }

    /// <summary>Loop thread: the peer sent RESET_STREAM.</summary>
    internal void OnPeerReset(long code) =>
        StopReceiving(new QuicStreamAbortedException(code, byPeer: true, QuicStreamAbortKind.Reset));

    /// <summary>
    /// Loop thread: no more bytes go into the input pipe. Completes its writer (with <paramref name="error"/> for
    /// readers); once reading has ended, later consumption reports grant no stream credit.
    /// </summary>
    private void StopReceiving(Exception? error)
    {
        if (!_receiveCompleted)
        {
            _receiveCompleted = true;
            _receivePipe.Writer.Complete(error);
        }

        if (_spliceActive)
        {
            EndSplice(error is null ? QuicSpliceEnd.Canceled : QuicSpliceEnd.InputFailed);
        }

        if (error is not null || _inputReaderCompleted || _input.IsAborted)
        {
            var owed = Interlocked.Exchange(ref _unconsumed, ReadingEnded);
            if (owed > 0)
            {
                _connection.Held.Release(owed);
            }
        }
    }

    /// <summary>Application thread (Input.AdvanceTo): bytes consumed; queue the credit for the loop.</summary>
    internal void OnInputConsumed(long bytes)
    {
        if (Interlocked.Add(ref _unconsumed, -bytes) < ReadingEnded / 2)
        {
            return;
        }

        _connection.Held.Release(bytes);
        Interlocked.Add(ref _pendingCredit, bytes);
        Request(0);
    }

    /// <summary>Application thread: Input was completed; anything still arriving is discarded (STOP_SENDING if not finished).</summary>
    internal void OnInputCompleted()
    {
        _inputReaderCompleted = true;
        Request(FlagInputCompleted);
    }
}
