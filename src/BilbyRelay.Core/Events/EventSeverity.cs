namespace BilbyRelay.Core.Events;

/// <summary>Event severity; wire names <c>info</c>, <c>warning</c>, <c>critical</c>.</summary>
public enum EventSeverity
{
    Info,
    Warning,
    Critical,
}
