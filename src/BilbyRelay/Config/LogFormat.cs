namespace BilbyRelay.Config;

/// <summary>How log entries are written to stderr.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per entry.</summary>
    Text,

    /// <summary>One JSON object per line, for log shippers.</summary>
    Json,
}
