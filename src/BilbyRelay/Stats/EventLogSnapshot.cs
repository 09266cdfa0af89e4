namespace BilbyRelay.Stats;

/// <summary>Counters of the structured event log (<c>[logging.json_target]</c>), for <c>/metrics</c>.</summary>
internal sealed class EventLogSnapshot
{
    /// <summary>Events waiting to be written.</summary>
    public long QueueDepth { get; init; }

    public long WrittenTotal { get; init; }

    /// <summary>Events discarded because the event log's queue was full.</summary>
    public long DroppedTotal { get; init; }

    /// <summary>Events the output refused (disk full, unreachable collector).</summary>
    public long WriteErrorsTotal { get; init; }
}
