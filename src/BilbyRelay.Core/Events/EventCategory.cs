namespace BilbyRelay.Core.Events;

/// <summary>Event category; wire names <c>edge</c>, <c>tunnel</c>, <c>manager</c>.</summary>
public enum EventCategory
{
    Edge,
    Tunnel,
    Manager,
}
