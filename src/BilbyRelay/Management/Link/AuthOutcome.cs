namespace BilbyRelay.Management;

/// <summary>Result of the <c>auth</c> exchange on a fresh connection.</summary>
internal enum AuthOutcomeKind
{
    /// <summary><c>auth_ok</c>.</summary>
    Accepted,

    /// <summary><c>register_ack</c>: new credentials adopted (and persisted, or the failure reported).</summary>
    Registered,

    /// <summary><c>auth_error</c>: <see cref="AuthOutcome.Message"/> is the manager's reason.</summary>
    Rejected,

    /// <summary>Timeout, a different message, or a broken connection.</summary>
    Failed,
}

internal readonly record struct AuthOutcome(AuthOutcomeKind Kind, string? Message)
{
    public bool IsAuthenticated => Kind is AuthOutcomeKind.Accepted or AuthOutcomeKind.Registered;
}
