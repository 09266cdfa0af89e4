namespace BilbyRelay.Stats;

/// <summary>What the request's Authorization header proved, decided while the header bytes are still in the buffer.</summary>
internal enum AuthorizationOutcome : byte
{
    /// <summary>No Authorization header.</summary>
    Missing,

    /// <summary>Every Authorization header carried the configured bearer token.</summary>
    Valid,

    /// <summary>Some Authorization header was not <c>Bearer &lt;configured token&gt;</c>, or no token is configured.</summary>
    Invalid,
}
