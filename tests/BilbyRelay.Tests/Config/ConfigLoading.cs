using BilbyRelay.Config;
using Xunit;

namespace BilbyRelay.Tests.Config;

/// <summary>Shorthands for loading configuration from explicit sources only.</summary>
internal static class ConfigLoading
{
    public static ConfigLoadResult Load(string? path = null, Dictionary<string, string>? environment = null, params CommandLineSetting[] commandLine) =>
        ConfigLoader.Load(new ConfigLoadRequest
        {
            ConfigPath = path,
            Environment = environment ?? [],
            CommandLine = commandLine,
        });

    public static ConfigDiagnostic SingleError(ConfigLoadResult result)
    {
        Assert.False(result.Succeeded);
        return Assert.Single(result.Diagnostics, static d => d.Severity == ConfigDiagnosticSeverity.Error);
    }
}
