using System.Net;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>Settings of the native UDP plane's session logic (§5.4–§5.6, §5.13); the executable fills them from configuration.</summary>
public sealed class NativeUdpOptions
{
    /// <summary>Sessions one source IP (IPv6: one /64) may have created and still alive (§5.4 rule 4).</summary>
    public int MaxSessionsPerIp { get; init; } = 64;

    /// <summary>Sessions the whole relay may hold.</summary>
    public int MaxSessions { get; init; } = 100_000;

    /// <summary>How long a slot stays protected after its last media datagram (§5.5).</summary>
    public TimeSpan HoldDown { get; init; } = TimeSpan.FromMilliseconds(12_000);

    /// <summary>A session silent for longer than this is reaped (§5.6).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the reaper runs.</summary>
    public TimeSpan ReapInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>At most one rejection event per (message, tunnel, source IP) in this interval (§5.10).</summary>
    public TimeSpan EventInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>public_udp_addr</c> when it is an IP literal; it counts as a relay-owned address.</summary>
    public IPEndPoint? PublicAddress { get; init; }

    /// <summary>The monotonic clock for liveness, hold-down and event rate limits.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessionsPerIp, 1, nameof(MaxSessionsPerIp));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessions, 1, nameof(MaxSessions));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HoldDown, TimeSpan.Zero, nameof(HoldDown));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleTimeout, TimeSpan.Zero, nameof(IdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReapInterval, TimeSpan.Zero, nameof(ReapInterval));
        ArgumentNullException.ThrowIfNull(Time, nameof(Time));
    }
}
