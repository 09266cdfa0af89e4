using System.Reflection;

namespace BilbyRelay.Cli;

/// <summary>The product version: the assembly's informational version without a "+commit" suffix.</summary>
public static class VersionInfo
{
    public static string Current { get; } = Read();

    private static string Read()
    {
        var informational = typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return "0.0.0";
        }

        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
