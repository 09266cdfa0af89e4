namespace BilbyRelay.Management;

/// <summary>Event severity; wire names <c>info</c>, <c>warning</c>, <c>critical</c>.</summary>
internal enum ManagerEventSeverity
{
    Info,
    Warning,
    Critical,
}
