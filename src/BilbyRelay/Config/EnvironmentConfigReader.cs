namespace BilbyRelay.Config;

/// <summary>
/// Reads <c>BILBYRELAY_&lt;KEY&gt;</c> variables (see <see cref="ConfigKey.EnvironmentVariable"/>).
/// The environment is passed in, never read from the process here, so tests stay isolated.
/// An empty variable counts as unset, as shells and unit files often export empty values.
/// </summary>
public static class EnvironmentConfigReader
{
    /// <summary>Names the config file when no --config option is given.</summary>
    public const string ConfigPathVariable = "BILBYRELAY_CONFIG";

    public static IReadOnlyList<ConfigAssignment> Read(IReadOnlyDictionary<string, string> environment)
    {
        var assignments = new List<ConfigAssignment>();
        foreach (var key in ConfigKeys.All)
        {
            var name = key.EnvironmentVariable;
            if (environment.TryGetValue(name, out var text) && text.Length > 0)
            {
                assignments.Add(new ConfigAssignment(key.Name, ConfigValue.FromText(text, ConfigLocation.EnvironmentVariable(name))));
            }
        }

        return assignments;
    }
}
