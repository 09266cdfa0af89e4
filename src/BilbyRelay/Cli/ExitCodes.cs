namespace BilbyRelay.Cli;

/// <summary>Process exit codes; scripts and systemd units rely on these staying stable.</summary>
public static class ExitCodes
{
    /// <summary>Ran and shut down cleanly (including after SIGTERM/SIGINT), or printed what was asked.</summary>
    public const int Success = 0;

    /// <summary>A component failed at run time (e.g. a listen address was already in use).</summary>
    public const int RuntimeFailure = 1;

    /// <summary>Bad command line or invalid configuration; nothing was started.</summary>
    public const int UsageOrConfigError = 2;
}
