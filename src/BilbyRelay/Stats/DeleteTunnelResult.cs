namespace BilbyRelay.Stats;

/// <summary>Outcome of <see cref="IStatsSource.DeleteTunnel"/>: whether the tunnel existed, and how many bound sides were told.</summary>
internal readonly record struct DeleteTunnelResult(bool Found, int PeersNotified);
