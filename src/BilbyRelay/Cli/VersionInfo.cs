namespace BilbyRelay.Cli;

/// <summary>The product version: the build's <c>Version</c> property (ProductVersion.g.cs is written by BilbyRelay.csproj).</summary>
public static class VersionInfo
{
    public static string Current => ProductVersion.Value;
}
