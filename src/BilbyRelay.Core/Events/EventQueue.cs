using System.Threading.Channels;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Core.Events;

/// <summary>
/// Bounded queue of operator events waiting for the manager link (§4). When full, the oldest event is
/// dropped and counted, so memory never grows while the manager is away. Every event is also logged
/// as it is enqueued. Any number of producers; one consumer (the manager link) at a time.
/// </summary>
public sealed class EventQueue
{
    private readonly Channel<RelayEvent> _channel;
    private readonly Logger _logger;
    private readonly TimeProvider _time;
    private IRelayEventListener[] _listeners = [];
    private long _dropped;
    private long _enqueued;

    public EventQueue(int capacity, TimeProvider time, Logger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _time = time;
        _logger = logger;
        _channel = Channel.CreateBounded<RelayEvent>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = false,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            },
            _ => Interlocked.Increment(ref _dropped));
    }

    public int Capacity { get; }

    /// <summary>Events waiting for delivery.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>Events discarded because the queue was full (oldest first).</summary>
    public long DroppedCount => Volatile.Read(ref _dropped);

    /// <summary>Events ever enqueued.</summary>
    public long EnqueuedCount => Volatile.Read(ref _enqueued);

    /// <summary>The consumer side, for <c>await foreach</c> or <see cref="ChannelReader{T}.WaitToReadAsync"/>.</summary>
    public ChannelReader<RelayEvent> Reader => _channel.Reader;

    /// <summary>Creates, logs and enqueues an event stamped with the relay's clock.</summary>
    /// <param name="detailsIsJson">True when <paramref name="details"/> is a JSON object's text, sent as an object.</param>
    public RelayEvent Raise(EventSeverity severity, EventCategory category, string message, string? flowId = null, string? details = null, bool detailsIsJson = false)
    {
        var relayEvent = new RelayEvent(severity, category, message, flowId, details, _time.GetUtcNow()) { DetailsIsJson = detailsIsJson };
        Enqueue(relayEvent);
        return relayEvent;
    }

    public void Enqueue(RelayEvent relayEvent)
    {
        EventLog.EventRaised(_logger, relayEvent);
        Interlocked.Increment(ref _enqueued);

        // Never fails for a DropOldest channel that is not completed.
        _channel.Writer.TryWrite(relayEvent);
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            listener.OnEvent(relayEvent);
        }
    }

    /// <summary>Adds a listener that sees every event from now on, whether or not anything drains the queue.</summary>
    public void Subscribe(IRelayEventListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        IRelayEventListener[] current, updated;
        do
        {
            current = Volatile.Read(ref _listeners);
            updated = [.. current, listener];
        }
        while (Interlocked.CompareExchange(ref _listeners, updated, current) != current);
    }

    public bool TryDequeue(out RelayEvent relayEvent) => _channel.Reader.TryRead(out relayEvent!);

    /// <summary>Completes when an event is available (true) or the queue was completed (false).</summary>
    public ValueTask<bool> WaitAsync(CancellationToken ct) => _channel.Reader.WaitToReadAsync(ct);
}
