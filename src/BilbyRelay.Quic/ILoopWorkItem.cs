namespace BilbyRelay.Quic;

/// <summary>
/// Work posted to an endpoint's loop thread from any thread. Objects that post themselves repeatedly (streams,
/// connections) coalesce: they keep a flag so they sit in the queue at most once.
/// </summary>
internal interface ILoopWorkItem
{
    /// <summary>Runs on the loop thread; exceptions are caught and logged by the loop.</summary>
    void Execute();
}
