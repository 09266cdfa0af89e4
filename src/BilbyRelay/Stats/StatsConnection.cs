using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Stats;

/// <summary>
/// One accepted HTTP/1.1 connection: reads requests from a <see cref="PipeReader"/> over the
/// socket, answers them in order (pipelined requests are answered in one flush), and enforces the
/// request deadline and keep-alive idle timeout with a single timer.
/// Threading: <see cref="RunAsync"/> owns every field except those marked for
/// <see cref="BeginShutdown"/> and <see cref="Abort"/>, which other threads may call at any time.
/// </summary>
internal sealed class StatsConnection
{
    private static readonly TimeSpan s_lingerTimeout = TimeSpan.FromSeconds(2);
    private const long LingerMaxBytes = 1024 * 1024;

    private readonly Socket _socket;
    private readonly StatsServerOptions _options;
    private readonly HttpRequestParser _parser;
    private readonly StatsRequestHandler _handler;
    private readonly Logger _log;
    private readonly EndPoint? _remote;
    private readonly ResponseBodyBuffer _body = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Fires for both timeouts (on the options' clock); cancelled early by BeginShutdown while the connection is idle.
    private readonly CancellationTokenSource _timer;

    // Shared with BeginShutdown: 1 while waiting for the first byte of a request.
    private int _idle;
    private volatile bool _shutdownRequested;

    // Request in progress: when its deadline expires (a timestamp of the options' clock), and the head
    // waiting for its body to be discarded.
    private bool _requestStarted;
    private long _requestDeadline;

    // Read by the server when it must evict: the Stopwatch timestamp since which the connection has been waiting for a
    // whole request head (from accept for its first request), MaxValue between requests.
    private long _requestStartedAt = Stopwatch.GetTimestamp();
    private long _bodyRemaining;
    private HttpRequestHead _pending;

    public StatsConnection(Socket socket, StatsServerOptions options, HttpRequestParser parser, StatsRequestHandler handler, Logger log)
    {
        _socket = socket;
        _options = options;
        _parser = parser;
        _handler = handler;
        _log = log;
        _remote = socket.RemoteEndPoint;
        _timer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.Time);
    }

    /// <summary>
    /// Since when (a <see cref="Stopwatch"/> timestamp) the connection has been waiting for a whole request: from accept
    /// until its first request is answered, then from the first byte of each further request; <see cref="long.MaxValue"/>
    /// between requests. Any thread.
    /// </summary>
    public long RequestStartedAt => Volatile.Read(ref _requestStartedAt);

    /// <summary>Completes when the connection has closed, however it ended. Never faults.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Serves the connection until the peer closes, a limit or timeout ends it, or shutdown.</summary>
    public async Task RunAsync()
    {
        var stream = new NetworkStream(_socket, ownsSocket: true);
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        PipeWriter writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        try
        {
            // The first request's clock starts at accept, so a client that connects and says
            // nothing holds a connection slot for the header timeout, not the idle timeout.
            StartRequest();
            if (await ServeAsync(reader, writer).ConfigureAwait(false))
            {
                await LingerAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            if (!_shutdownRequested)
            {
                StatsLog.RequestTimedOut(_log, _remote);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            StatsLog.ConnectionFailed(_log, _remote, ex);
        }
        catch (Exception ex)
        {
            // A bug, not a network condition: this connection ends, the endpoint keeps serving.
            StatsLog.ConnectionCrashed(_log, _remote, ex);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            _timer.Dispose();
            _completion.TrySetResult();
        }
    }

    /// <summary>Asks the connection to close: at once if idle, else after the response in progress (sent with Connection: close).</summary>
    public void BeginShutdown()
    {
        _shutdownRequested = true;
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _idle) == 1)
        {
            CancelTimer();
        }
    }

    /// <summary>Closes the socket now, whatever the connection is doing.</summary>
    public void Abort()
    {
        _shutdownRequested = true;
        CancelTimer();
        _socket.Dispose();
    }

    /// <summary>Serves requests; returns true when the server chose to close and the peer may still be sending.</summary>
    private async Task<bool> ServeAsync(PipeReader reader, PipeWriter writer)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(_timer.Token).ConfigureAwait(false);
            Volatile.Write(ref _idle, 0);
            ReadOnlySequence<byte> buffer = result.Buffer;
            bool close = ProcessReceived(ref buffer, writer, out bool wroteResponse);
            reader.AdvanceTo(buffer.Start, buffer.End);

            if (wroteResponse)
            {
                // A peer that stops reading its responses is bounded by the keep-alive timeout.
                ArmTimer(_options.KeepAliveTimeout);
                FlushResult flushed = await writer.FlushAsync(_timer.Token).ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    return false;
                }
            }

            if (result.IsCompleted)
            {
                return false;
            }

            if (close)
            {
                return true;
            }

            if (_requestStarted)
            {
                long now = _options.Time.GetTimestamp();
                ArmTimer(now < _requestDeadline ? _options.Time.GetElapsedTime(now, _requestDeadline) : TimeSpan.Zero);
            }
            else
            {
                ArmTimer(_options.KeepAliveTimeout);
                Volatile.Write(ref _idle, 1);
                Interlocked.MemoryBarrier();
                if (_shutdownRequested)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>
    /// Closing a socket with unread input makes the kernel send RST, which can destroy the final
    /// response before the peer reads it (a 413 while the body is still arriving, a pipelined
    /// request after Connection: close). So: send FIN, then read and discard what the peer still
    /// sends, bounded in time and bytes, before closing.
    /// </summary>
    private async Task LingerAsync()
    {
        byte[] scratch = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            using var linger = new CancellationTokenSource(s_lingerTimeout);
            long discarded = 0;
            while (discarded < LingerMaxBytes)
            {
                int read = await _socket.ReceiveAsync(scratch, SocketFlags.None, linger.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                discarded += read;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Linger expired or the peer reset: close anyway.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Handles every complete request in <paramref name="buffer"/> and leaves it at the first
    /// unconsumed byte. Returns true when the connection must close after the responses written.
    /// </summary>
    private bool ProcessReceived(ref ReadOnlySequence<byte> buffer, PipeWriter writer, out bool wroteResponse)
    {
        wroteResponse = false;
        while (true)
        {
            if (_bodyRemaining > 0)
            {
                // Bodies are never used (no route takes one): skip them as they arrive, then answer.
                long skip = Math.Min(_bodyRemaining, buffer.Length);
                buffer = buffer.Slice(skip);
                _bodyRemaining -= skip;
                if (_bodyRemaining > 0)
                {
                    return false;
                }

                wroteResponse = true;
                if (Respond(writer))
                {
                    return true;
                }

                continue;
            }

            if (buffer.IsEmpty)
            {
                return false;
            }

            if (!_requestStarted)
            {
                StartRequest();
            }

            switch (_parser.TryParse(buffer, out SequencePosition consumed, out _pending, out HttpParseError error))
            {
                case HttpParseStatus.Incomplete:
                    return false;

                case HttpParseStatus.Error:
                    StatsLog.BadRequest(_log, _remote, error.StatusCode, error.Message);
                    StatsRequestHandler.WriteParseError(in error, _body, writer);
                    wroteResponse = true;
                    return true;
            }

            buffer = buffer.Slice(consumed);
            _bodyRemaining = _pending.ContentLength;
            if (_pending.ExpectContinue && _bodyRemaining > buffer.Length)
            {
                // The client holds the body back until told to send it (RFC 9110 §10.1.1).
                writer.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
                wroteResponse = true;
            }

            if (_bodyRemaining == 0)
            {
                wroteResponse = true;
                if (Respond(writer))
                {
                    return true;
                }
            }
        }
    }

    /// <summary>Answers the pending request; returns true when the connection closes after it.</summary>
    private bool Respond(PipeWriter writer)
    {
        bool keepAlive = _pending.KeepAlive && !_shutdownRequested;
        _handler.Handle(in _pending, keepAlive, _body, writer, _remote);
        _requestStarted = false;
        Volatile.Write(ref _requestStartedAt, long.MaxValue);
        return !keepAlive;
    }

    private void StartRequest()
    {
        _requestStarted = true;
        if (Volatile.Read(ref _requestStartedAt) == long.MaxValue)
        {
            Volatile.Write(ref _requestStartedAt, Stopwatch.GetTimestamp());
        }

        _requestDeadline = _options.Time.GetTimestamp() + (long)(_options.HeaderTimeout.TotalSeconds * _options.Time.TimestampFrequency);
        ArmTimer(_options.HeaderTimeout);
    }

    private void ArmTimer(TimeSpan dueIn)
    {
        // CancelAfter replaces any earlier due time; zero cancels on the timer thread at once.
        _timer.CancelAfter(dueIn);
    }

    private void CancelTimer()
    {
        try
        {
            _timer.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection already finished.
        }
    }
}
