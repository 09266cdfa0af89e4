using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Events;

namespace BilbyRelay.EventLog;

/// <summary>
/// The structured event log: a listener on the relay's events that hands each one to a bounded queue, and one
/// writer task that formats and writes them. Raising an event never waits for the disk or the network: when the
/// queue is full the new event is dropped and counted (exported as <c>bilbycast_relay_event_log_dropped_total</c>).
/// </summary>
internal sealed class EventLogTarget : IRelayEventListener
{
    private readonly Channel<RelayEvent> _queue;
    private readonly EventLineFormatter _formatter;
    private readonly IEventLogOutput _output;
    private readonly Logger _log;
    private Task? _writer;
    private long _dropped;
    private long _written;
    private long _writeErrors;

    public EventLogTarget(EventLineFormatter formatter, IEventLogOutput output, int capacity, Logger log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _formatter = formatter;
        _output = output;
        _log = log;
        _queue = Channel.CreateBounded<RelayEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
    }

    /// <summary>Events discarded because the queue was full.</summary>
    public long DroppedCount => Volatile.Read(ref _dropped);

    /// <summary>Events written to the output.</summary>
    public long WrittenCount => Volatile.Read(ref _written);

    /// <summary>Events the output refused (disk full, unreachable collector); they are lost, not retried.</summary>
    public long WriteErrorCount => Volatile.Read(ref _writeErrors);

    /// <summary>Events waiting to be written.</summary>
    public int QueuedCount => _queue.Reader.Count;

    public void OnEvent(RelayEvent relayEvent)
    {
        if (!_queue.Writer.TryWrite(relayEvent))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public void Start() => _writer = Task.Run(WriteAllAsync);

    /// <summary>Writes what is queued, then closes the output. Events raised after this are dropped.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _output.Dispose();
    }

    private async Task WriteAllAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var failing = false;
        await foreach (var relayEvent in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            buffer.ResetWrittenCount();
            _formatter.Write(relayEvent, buffer);
            try
            {
                _output.Write(relayEvent, buffer.WrittenSpan);
                Interlocked.Increment(ref _written);
                if (failing)
                {
                    failing = false;
                    EventLogLog.WritesResumed(_log);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
            {
                Interlocked.Increment(ref _writeErrors);
                if (!failing)
                {
                    // Logged once per failing spell, not per event: a full disk must not flood the log as well.
                    failing = true;
                    EventLogLog.WriteFailed(_log, e);
                }
            }
        }
    }
}
