namespace BilbyRelay.Stats;

/// <summary>A counter for one reason (a datagram drop, a refused stream); <see cref="Reason"/> becomes the <c>reason</c> label value.</summary>
internal readonly record struct ReasonCount(string Reason, long Count);
