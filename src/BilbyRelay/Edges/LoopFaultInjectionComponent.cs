using System.Runtime.InteropServices;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;

namespace BilbyRelay.Edges;

/// <summary>
/// Test hook for the published binary: while it runs, SIGUSR1 makes the first QUIC loop fail as a defect in it would,
/// so a test can watch the whole reaction (health 503, error log, exit 1). Composed only when
/// <see cref="EnvironmentVariable"/> is <c>1</c>, and it says so in the log at start; without it SIGUSR1 keeps its
/// default action (the process is killed), so no relay can be made to fail this way by accident.
/// </summary>
internal sealed class LoopFaultInjectionComponent(EdgeListenerComponent edges, Logger log) : IRelayComponent
{
    public const string EnvironmentVariable = "BILBYRELAY_TEST_FAULT_QUIC_LOOP_ON_SIGUSR1";

    // Linux's number; PosixSignalRegistration takes raw numbers for signals PosixSignal does not name.
    private const PosixSignal Sigusr1 = (PosixSignal)10;

    private PosixSignalRegistration? _registration;

    public string Name => "fault-injection";

    public static bool IsRequested(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue(EnvironmentVariable, out var value) && value == "1";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EdgesLog.LoopFaultInjectionEnabled(log, EnvironmentVariable, edges.LocalEndPoints);
        _registration = PosixSignalRegistration.Create(Sigusr1, context =>
        {
            context.Cancel = true;
            edges.InjectLoopFault(new InvalidOperationException($"fault injected on SIGUSR1 ({EnvironmentVariable})"));
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration?.Dispose();
        return Task.CompletedTask;
    }
}
