using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Relay;

/// <summary>Settings of the relay core; the executable fills them from configuration.</summary>
public sealed class RelayOptions
{
    /// <summary>Live edge connections allowed per source IP (§2); excess connections are closed at once.</summary>
    public int MaxConnectionsPerIp { get; init; } = 64;

    /// <summary>Bound slots one connection may hold (§1.2 rule 1).</summary>
    public int MaxTunnelsPerConnection { get; init; } = 100;

    /// <summary>Reject binds of tunnels the manager has not authorized (§1.2 rule 2).</summary>
    public bool RequireBindAuth { get; init; }

    /// <summary>SHA-256 for the bind tokens (<see cref="BindTokenStore"/>).</summary>
    public required Sha256Function Sha256 { get; init; }

    /// <summary>The product version reported in <c>hello_ack</c>.</summary>
    public string SoftwareVersion { get; init; } = "0.0.0";

    /// <summary>The relay's clock (tunnel ages, uptime, event timestamps, bandwidth).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Operator events kept while no manager takes them (§4); the oldest are dropped beyond this.</summary>
    public int EventQueueCapacity { get; init; } = 4096;

    /// <summary>
    /// Notifications (tunnel_ready / tunnel_down on uni streams) that may wait for one edge. An edge
    /// that lets this many pile up is not reading its streams; its connection is closed.
    /// </summary>
    public int NotificationQueueCapacity { get; init; } = 4096;

    /// <summary>Where log entries go.</summary>
    public LogSink LogSink { get; init; } = NullLogSink.Instance;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerIp, 1, nameof(MaxConnectionsPerIp));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTunnelsPerConnection, 1, nameof(MaxTunnelsPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThan(EventQueueCapacity, 1, nameof(EventQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(NotificationQueueCapacity, 1, nameof(NotificationQueueCapacity));
        ArgumentNullException.ThrowIfNull(SoftwareVersion, nameof(SoftwareVersion));
        ArgumentNullException.ThrowIfNull(Time, nameof(Time));
        ArgumentNullException.ThrowIfNull(Sha256, nameof(Sha256));
        ArgumentNullException.ThrowIfNull(LogSink, nameof(LogSink));
    }
}
