using System.Collections;
using BilbyRelay.Cli;
using BilbyRelay.Composition;
using BilbyRelay.Edges;
using BilbyRelay.Hosting;

namespace BilbyRelay;

/// <summary>Composes the process: real console, real environment, the relay's components.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args)
    {
        var environment = ReadEnvironment();
        var loopFaultOnSignal = LoopFaultInjectionComponent.IsRequested(environment);
        return RelayCommand.RunAsync(args, new ProgramContext
        {
            Out = Console.Out,
            Error = Console.Error,
            Environment = environment,

            // Components in start order; each later one may rely on the ones before it.
            Components = (config, log, lifetime) => RelayComposition.Build(
                config, log, lifetime, loopFaultOnSignal, InheritedListenSockets.FromProcess(environment, config, log)),
        });
    }

    private static Dictionary<string, string> ReadEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value)
            {
                environment[name] = value;
            }
        }

        return environment;
    }
}
