namespace BilbyRelay.Hosting;

/// <summary>Why the relay is shutting down with exit code 1: the component that failed and what happened to it.</summary>
public sealed record RelayFailure(string Component, string Reason);
