using BilbyRelay.EdgeSimulator;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>Failures an edge can suffer that a clean shutdown never shows the relay.</summary>
internal static class EdgeFaults
{
    /// <summary>
    /// The edge's connection disappears without CONNECTION_CLOSE, as when its process is killed or
    /// its network drops: the relay can only notice through silence (keep-alives that go unanswered).
    /// Uses the QUIC engine's own fault hook, which is internal to the engine.
    /// </summary>
    public static void Vanish(this SimulatedEdge edge) => edge.Connection.Vanish();
}
