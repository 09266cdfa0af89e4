namespace BilbyRelay.Stats;

/// <summary>Why <c>GET /health</c> answers 503: the relay part that failed and what happened to it.</summary>
internal sealed class HealthFailure(string component, string reason)
{
    public string Component { get; } = component;

    public string Reason { get; } = reason;
}
