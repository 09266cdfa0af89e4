namespace BilbyRelay.LoadGen.Operator;

/// <summary>A measurement an operator runs against any relay: <c>bilbyrelay-loadgen NAME --relay HOST:PORT</c>.</summary>
public interface IScenario
{
    /// <summary>The command name.</summary>
    string Name { get; }

    /// <summary>A fresh edge pair or more per run; results go into <see cref="ScenarioRun.Document"/>.</summary>
    Task RunAsync(ScenarioRun run);
}

/// <summary>Every operator scenario by command name. A scenario kept in files of its own adds its entry here.</summary>
public static class ScenarioRegistry
{
    public static IReadOnlyDictionary<string, IScenario> All { get; } = new IScenario[]
    {
        new TcpScenario(),
        new UdpScenario(),
        new RampScenario(),
        new MixedScenario(),
        new ChurnScenario(),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);
}
