using System.Runtime.CompilerServices;
using BilbyRelay.Cli;
using BilbyRelay.Config;
using BilbyRelay.Tests.Cli;
using Xunit;

namespace BilbyRelay.Tests.Config;

/// <summary>The shipped example config and the configuration docs must cover every key and stay valid.</summary>
public sealed class RepositoryFilesTests
{
    private static string RepositoryRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    [Fact]
    public async Task ExampleRelayToml_PassesCheckConfigWithoutWarnings()
    {
        var path = Path.Combine(RepositoryRoot(), "relay.toml");
        var run = new ProgramRun();

        var exitCode = await run.RunAsync("check-config", "--config", path);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("\nconfiguration is valid\n", run.Error.ToString());
        var loaded = ConfigLoading.Load(path);
        Assert.Empty(loaded.Diagnostics);
    }

    [Fact]
    public void ExampleRelayToml_ShowsEveryKey()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "relay.toml"))
            .Select(line => line.TrimStart('#', ' '))
            .ToList();

        foreach (var key in ConfigKeys.All)
        {
            // Keys of a table are written inside it: [manager] urls = ..., [logging.json_target] kind = ...
            var name = key.Name[(key.Name.LastIndexOf('.') + 1)..];
            Assert.Contains(lines, line => line.StartsWith(name + " = ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ConfigurationDocs_ListEveryKeyAndVariable()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));

        foreach (var key in ConfigKeys.All)
        {
            Assert.Contains($"| `{key.Name}` |", docs, StringComparison.Ordinal);
            Assert.Contains($"`{key.EnvironmentVariable}`", docs, StringComparison.Ordinal);
            if (key.CommandLineOption is { } option)
            {
                Assert.Contains($"`{option} ", docs, StringComparison.Ordinal);
            }
        }
    }
}
