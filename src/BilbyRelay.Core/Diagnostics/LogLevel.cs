namespace BilbyRelay.Core.Diagnostics;

/// <summary>Severity of a log entry, lowest first. <see cref="None"/> as a minimum level disables logging.</summary>
public enum LogLevel
{
    Trace = 0,
    Debug = 1,
    Information = 2,
    Warning = 3,
    Error = 4,
    Critical = 5,
    None = 6,
}
