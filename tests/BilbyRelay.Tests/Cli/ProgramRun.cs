using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;

namespace BilbyRelay.Tests.Cli;

/// <summary>Runs the real entry point in-process with captured output.</summary>
internal sealed class ProgramRun
{
    public StringWriter Out { get; } = new();

    public CapturingWriter Error { get; } = new();

    public Dictionary<string, string> Environment { get; } = [];

    public Func<RelayConfig, Logger, RelayLifetime, IReadOnlyList<IRelayComponent>>? Components { get; init; }

    public async Task<int> RunAsync(CancellationToken shutdown, params string[] args)
    {
        var context = new ProgramContext
        {
            Out = Out,
            Error = Error,
            Environment = Environment,
            Components = Components ?? ((_, _, _) => []),
            Shutdown = shutdown,
        };
        return await RelayCommand.RunAsync(args, context);
    }

    /// <summary>For commands that return without waiting for shutdown.</summary>
    public Task<int> RunAsync(params string[] args) => RunAsync(new CancellationToken(canceled: true), args);
}
