namespace BilbyRelay.Stats;

/// <summary>Every non-2xx body: <c>{"error":"…"}</c>.</summary>
internal sealed class ErrorResponse(string error)
{
    public string Error { get; } = error;
}
