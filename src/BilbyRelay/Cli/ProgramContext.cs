using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;

namespace BilbyRelay.Cli;

/// <summary>
/// What the program needs from its surroundings, passed in so tests can run the real entry point
/// with captured output, a fake environment and their own shutdown token.
/// </summary>
public sealed class ProgramContext
{
    public required TextWriter Out { get; init; }

    /// <summary>Diagnostics and log lines go here (stderr in the real process).</summary>
    public required TextWriter Error { get; init; }

    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>
    /// Builds the relay's components, in start order, from the validated configuration. Components
    /// keep the <see cref="RelayLifetime"/> to end the process if they fail while running.
    /// </summary>
    public Func<RelayConfig, Logger, RelayLifetime, IReadOnlyList<IRelayComponent>> Components { get; init; } = static (_, _, _) => [];

    /// <summary>When set, shutdown follows this token instead of SIGTERM/SIGINT (tests).</summary>
    public CancellationToken? Shutdown { get; init; }

    public TimeSpan ShutdownGracePeriod { get; init; } = RelayHost.DefaultShutdownGracePeriod;
}
