using System.Buffers;
using System.IO.Pipelines;

namespace BilbyRelay.Quic;

/// <summary>
/// Splicing: the bytes this stream receives go straight into another stream's output on this stream's loop thread,
/// as ngtcp2 hands them over, with one copy (from the decrypted packet into the target's pinned output memory) and no
/// input pipe or thread pool in between. Stream credit goes back to this stream's peer as soon as the target has
/// room under its send-buffer and unsent limits, and otherwise once the target is down to half of them, so a slow
/// receiver slows the sender end to end while what the relay holds stays bounded by those limits plus one window.
/// The chunks of one loop turn are copied into the target's output memory one after the other and committed together
/// (<see cref="CommitSplicedBytes"/>) before the loop writes packets: one pipe commit, one wake-up and one credit
/// update per turn instead of per STREAM frame.
/// </summary>
/// <remarks>
/// Threading: the source's loop writes the target's output pipe (the target's loop reads it); when the two streams
/// live on different loops, the target's loop is woken once per batch of writes, and the source's loop is woken
/// only when it waits for room and the target has made some. On the same loop nothing is posted.
/// </remarks>
public sealed partial class QuicStream
{
    private const int FlagSplice = 32;

    // Written by the starting thread before its request reaches the loop; read by the loop.
    private QuicStream? _spliceTarget;
    private Action<long>? _spliceMoved;
    private TaskCompletionSource<QuicSpliceEnd>? _spliceEnd;
    private CancellationToken _spliceCancel;
    private CancellationTokenRegistration _spliceCancelRegistration;

    // loop: received bytes go to the target.
    private bool _spliceActive;

    // loop: stream credit for bytes moved into a target that had no room, returned once it has.
    private long _spliceCreditOwed;

    // loop: the target output memory this turn's chunks are copied into, and how much of it they filled; committed
    // to the target's pipe by CommitSplicedBytes. Only this loop writes the target's output while the splice runs.
    private Memory<byte> _spliceUncommittedMemory;
    private int _spliceUncommitted;
    private bool _spliceCommitQueued;

    // On a target: the stream whose loop writes into this output while a splice runs.
    private volatile QuicStream? _spliceSource;

    // On a target: 1 while its source waits for room; set by the source's loop, taken by this stream's loop.
    private int _spliceRoomWanted;

    /// <summary>
    /// Any thread: from now on every byte this stream receives, starting with what <see cref="Input"/> holds unread,
    /// is written to <paramref name="target"/>'s output on the loop, until this stream's FIN (then the target's output
    /// is completed, which sends FIN) or a failure. Neither this stream's <see cref="Input"/> nor the target's
    /// <see cref="Output"/> may be used until the returned task completes. <paramref name="onBytesMoved"/> runs on
    /// the loop thread for each chunk moved, so it must be short and must not block.
    /// </summary>
    /// <exception cref="InvalidOperationException">This stream cannot read, the target cannot write, or a splice was already started.</exception>
    public Task<QuicSpliceEnd> SpliceInputToAsync(QuicStream target, Action<long> onBytesMoved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(onBytesMoved);
        if (!CanRead || !target.CanWrite || target == this)
        {
            throw new InvalidOperationException("A splice needs a readable source and a different, writable target.");
        }

        var end = new TaskCompletionSource<QuicSpliceEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _spliceEnd, end, null) is not null)
        {
            throw new InvalidOperationException("This stream's input is already spliced.");
        }

        _spliceTarget = target;
        _spliceMoved = onBytesMoved;
        _spliceCancel = cancellationToken;
        target._spliceSource = this;
        _spliceCancelRegistration = cancellationToken.UnsafeRegister(static stream => ((QuicStream)stream!).Request(FlagSplice), this);
        Request(FlagSplice);
        return end.Task;
    }

    /// <summary>Loop thread: starts a requested splice, or looks again at one that runs (cancellation, target state, room).</summary>
    private void ServiceSplice()
    {
        if (_spliceEnd is not { Task.IsCompleted: false })
        {
            return;
        }

        if (_spliceCancel.IsCancellationRequested || _inputReaderCompleted || _input.IsAborted)
        {
            EndSplice(QuicSpliceEnd.Canceled);
            return;
        }

        if (_spliceTarget!.IsOutputGone)
        {
            EndSplice(QuicSpliceEnd.OutputFailed);
            return;
        }

        if (!_spliceActive)
        {
            StartSplice();
            return;
        }

        if (_spliceCreditOwed > 0)
        {
            ReturnOwedCreditWhenRoom();
        }
    }

    /// <summary>Loop thread: moves what the input pipe holds unread, then lets received bytes go to the target directly.</summary>
    private void StartSplice()
    {
        var reader = _receivePipe.Reader;
        ReadResult result;
        try
        {
            // A reader that examined the bytes without consuming them would make TryRead report nothing: cancelling
            // the (not pending) read makes it return everything unconsumed.
            reader.CancelPendingRead();
            if (!reader.TryRead(out result))
            {
                _spliceActive = true;
                return;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The receive side ended with an error (reset, connection lost) before the splice began.
            EndSplice(QuicSpliceEnd.InputFailed);
            return;
        }

        var buffer = result.Buffer;
        _spliceActive = true;
        foreach (var segment in buffer)
        {
            // These bytes were held as unconsumed input; from here on they are held in the target's output.
            Interlocked.Add(ref _unconsumed, -segment.Length);
            _connection.Held.Release(segment.Length);
            MoveToTarget(segment.Span);
        }

        reader.AdvanceTo(buffer.End);
        CommitUncommitted();
        if (result.IsCompleted)
        {
            FinishSplice();
        }
    }

    /// <summary>Loop thread, inside recv_stream_data while a splice runs: false when the bytes should go to the input pipe.</summary>
    private bool TrySpliceReceived(ReadOnlySpan<byte> data, bool fin)
    {
        if (_spliceTarget!.IsOutputGone)
        {
            EndSplice(QuicSpliceEnd.OutputFailed);
            return false;
        }

        if (!data.IsEmpty)
        {
            MoveToTarget(data);
        }

        if (fin)
        {
            _receiveCompleted = true;
            _receivePipe.Writer.Complete();
            FinishSplice();
        }

        return true;
    }

    /// <summary>
    /// Loop thread: copies one chunk into the target's output memory, to be committed with the rest of this turn's
    /// chunks; the loop is asked to commit before it writes packets.
    /// </summary>
    private void MoveToTarget(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_spliceUncommitted == _spliceUncommittedMemory.Length)
            {
                CommitUncommitted();
                _spliceUncommittedMemory = _spliceTarget!._sendPipe.Writer.GetMemory();
            }

            var room = _spliceUncommittedMemory.Span[_spliceUncommitted..];
            var part = Math.Min(room.Length, data.Length);
            data[..part].CopyTo(room);
            _spliceUncommitted += part;
            data = data[part..];
        }

        if (!_spliceCommitQueued)
        {
            _spliceCommitQueued = true;
            _connection.Endpoint.QueueSpliceCommit(this);
        }
    }

    /// <summary>Loop thread, at the end of the turn that moved bytes: commits them (see <see cref="CommitUncommitted"/>).</summary>
    internal void CommitSplicedBytes()
    {
        _spliceCommitQueued = false;
        CommitUncommitted();
    }

    /// <summary>
    /// Loop thread: commits the chunks copied since the last commit to the target's output (which the target's loop
    /// then sends) and returns their stream credit now if the target has room, or once it has.
    /// </summary>
    private void CommitUncommitted()
    {
        var bytes = _spliceUncommitted;
        if (bytes == 0)
        {
            return;
        }

        _spliceUncommitted = 0;
        _spliceUncommittedMemory = default;
        var target = _spliceTarget!;
        target.AcceptSplicedBytes(bytes);
        _spliceMoved!(bytes);
        if (_spliceCreditOwed == 0 && target.HasRoom(halfLimits: false))
        {
            _connection.ExtendStreamCredit(this, bytes);
            return;
        }

        _spliceCreditOwed += bytes;
        ReturnOwedCreditWhenRoom();
    }

    /// <summary>
    /// Loop thread: returns the owed credit if the target is down to half its limits; otherwise asks the target to say
    /// when it is (re-checking after asking, so progress made in between is not missed).
    /// </summary>
    private void ReturnOwedCreditWhenRoom()
    {
        var target = _spliceTarget!;
        Interlocked.Exchange(ref target._spliceRoomWanted, 1);
        if (target.HasRoom(halfLimits: true) && Interlocked.Exchange(ref target._spliceRoomWanted, 0) == 1)
        {
            _connection.ExtendStreamCredit(this, _spliceCreditOwed);
            _spliceCreditOwed = 0;
        }
    }

    /// <summary>Loop thread: the source's FIN: complete the target's output (FIN) once everything before it is in.</summary>
    private void FinishSplice()
    {
        CommitUncommitted();
        var target = _spliceTarget!;
        target._sendPipe.Writer.Complete();
        target.OnSplicedOutput();
        EndSplice(QuicSpliceEnd.Finished);
    }

    /// <summary>
    /// Loop thread: the stream's connection ended. A splice that has not ended yet ends now, even one whose start is
    /// still queued: once the loop stops, that request never runs, and whoever waits for the splice would wait forever.
    /// </summary>
    private void AbandonSplice()
    {
        if (_spliceEnd is { Task.IsCompleted: false })
        {
            EndSplice(QuicSpliceEnd.InputFailed);
        }
    }

    /// <summary>
    /// Loop thread: received bytes go to the input pipe again; whoever started the splice learns how it ended. Bytes
    /// moved but not committed yet are committed first, which also ends the write the target's pipe has open for
    /// them (nothing else completes that writer while the splice runs; a target that can send nothing more drops them).
    /// </summary>
    private void EndSplice(QuicSpliceEnd end)
    {
        CommitUncommitted();
        _spliceActive = false;
        if (_spliceTarget is { } target)
        {
            target._spliceSource = null;
            _spliceTarget = null;
        }

        _spliceMoved = null;
        _spliceCancelRegistration.Unregister();
        _spliceEnd!.TrySetResult(end);
    }

    /// <summary>Target, on the source's loop thread: <paramref name="bytes"/> the source copied into the output memory, committed like a flush.</summary>
    private void AcceptSplicedBytes(int bytes)
    {
        var writer = _sendPipe.Writer;
        OnOutputCommitting(bytes);
        writer.Advance(bytes);

        // The send pipe never pauses, so the flush completes at once.
        writer.FlushAsync().GetAwaiter().GetResult();
        OnSplicedOutput();
    }

    /// <summary>Target, on the source's loop thread: the output has more to send; queued directly when this stream lives on that loop.</summary>
    private void OnSplicedOutput()
    {
        if (!_connection.Endpoint.IsLoopThread)
        {
            Request(FlagFlushed);
        }
        else
        {
            QueueOutput();
        }
    }

    /// <summary>Target: nothing more can be written (aborted, or the send side released).</summary>
    private bool IsOutputGone => _writeAborted || Interlocked.Read(ref _sendHeld) < SendReleased / 2;

    /// <summary>Target, loop thread: bytes were sent or acknowledged; a source waiting for room is told once there is.</summary>
    private void OnSpliceTargetProgress()
    {
        if (Volatile.Read(ref _spliceRoomWanted) == 1 && HasRoom(halfLimits: true) && Interlocked.Exchange(ref _spliceRoomWanted, 0) == 1)
        {
            _spliceSource?.ServiceSpliceFromAnyThread();
        }
    }

    /// <summary>Target, any thread: the output failed; the source ends its splice.</summary>
    private void OnSpliceTargetFailed() => _spliceSource?.ServiceSpliceFromAnyThread();

    private void ServiceSpliceFromAnyThread()
    {
        if (_connection.Endpoint.IsLoopThread)
        {
            ServiceSplice();
        }
        else
        {
            Request(FlagSplice);
        }
    }
}
