namespace BilbyRelay.Config;

/// <summary>
/// Builds the effective configuration. Precedence, lowest first: built-in defaults, the config
/// file (TOML, or the upstream relay.json), <c>BILBYRELAY_*</c> environment variables, command-line
/// options, then the node credentials in <c>manager.credentials_file</c> when it exists (see
/// <see cref="CredentialsFileLayer"/>). Every problem in every source is collected before the result is returned.
/// </summary>
public static class ConfigLoader
{
    public static ConfigLoadResult Load(ConfigLoadRequest request)
    {
        var config = new RelayConfig();
        var diagnostics = new ConfigDiagnostics();
        var setBy = new Dictionary<string, ConfigLocation>(StringComparer.Ordinal);

        var path = ResolveFilePath(request, diagnostics);
        if (path is not null && TryReadFile(path, diagnostics) is { } text)
        {
            var file = new ConfigFile(path, DetectFormat(path, text));
            config.File = file;
            var assignments = file.Format == ConfigFileFormat.Toml
                ? TomlConfigReader.Read(text, file.Path, diagnostics)
                : JsonConfigReader.Read(text, file.Path, diagnostics);
            Apply(config, assignments, diagnostics, setBy);
        }

        Apply(config, EnvironmentConfigReader.Read(request.Environment), diagnostics, setBy);
        Apply(config, CommandLineAssignments(request.CommandLine), diagnostics, setBy);
        Apply(config, CredentialsFileLayer.Read(config, diagnostics), diagnostics, setBy);

        ConfigValidator.Validate(config, request.Environment, key => setBy.GetValueOrDefault(key, ConfigLocation.Default), diagnostics);
        return new ConfigLoadResult(config, diagnostics.Items);
    }

    /// <summary>Detects the format from the extension; anything other than .toml/.json is sniffed ('{' means JSON).</summary>
    public static ConfigFileFormat DetectFormat(string path, string text)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".toml", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigFileFormat.Toml;
        }

        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigFileFormat.Json;
        }

        return text.TrimStart().StartsWith('{') ? ConfigFileFormat.Json : ConfigFileFormat.Toml;
    }

    /// <summary>The absolute path of the file to read, or null when none is configured or it is missing (reported).</summary>
    private static string? ResolveFilePath(ConfigLoadRequest request, ConfigDiagnostics diagnostics)
    {
        var location = ConfigLocation.CommandLine(request.ConfigPathOption);
        var path = request.ConfigPath;
        if (path is null && request.Environment.TryGetValue(EnvironmentConfigReader.ConfigPathVariable, out var fromEnvironment) && fromEnvironment.Length > 0)
        {
            path = fromEnvironment;
            location = ConfigLocation.EnvironmentVariable(EnvironmentConfigReader.ConfigPathVariable);
        }

        if (path is null)
        {
            return null;
        }

        if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal))
        {
            diagnostics.Error(location, null, "config file path is empty or invalid");
            return null;
        }

        var fullPath = Path.GetFullPath(path);
        if (!System.IO.File.Exists(fullPath))
        {
            diagnostics.Error(location, null, $"config file '{fullPath}' does not exist");
            return null;
        }

        return fullPath;
    }

    private static string? TryReadFile(string path, ConfigDiagnostics diagnostics)
    {
        try
        {
            return System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(ConfigLocation.InFile(path, 0), null, "cannot read config file: " + e.Message);
            return null;
        }
    }

    private static IReadOnlyList<ConfigAssignment> CommandLineAssignments(IReadOnlyList<CommandLineSetting> settings) =>
        [.. settings.Select(static s => new ConfigAssignment(s.Key, ConfigValue.FromText(s.Value, ConfigLocation.CommandLine(s.Option))))];

    private static void Apply(RelayConfig config, IReadOnlyList<ConfigAssignment> assignments, ConfigDiagnostics diagnostics, Dictionary<string, ConfigLocation> setBy)
    {
        foreach (var (single, list) in ConfigKeys.Alternatives)
        {
            var singleAssignment = assignments.FirstOrDefault(a => a.Key == single);
            var listAssignment = assignments.FirstOrDefault(a => a.Key == list);
            if (singleAssignment.Value is not null && listAssignment.Value is not null)
            {
                diagnostics.Error(listAssignment.Value.Location, list, $"set either {single} or {list}, not both");
            }
        }

        foreach (var assignment in assignments)
        {
            var key = ConfigKeys.Find(assignment.Key);
            var value = assignment.Value;
            if (key is null)
            {
                ReportUnknown(assignment, diagnostics);
                continue;
            }

            if (value.Kind == ConfigValueKind.Null)
            {
                continue;
            }

            key.Apply(config, new ConfigValueReader(key, value, diagnostics));
            setBy[key.Name] = value.Location;
        }
    }

    private static void ReportUnknown(ConfigAssignment assignment, ConfigDiagnostics diagnostics)
    {
        var location = assignment.Value.Location;
        if (ConfigKeys.Tables.Contains(assignment.Key))
        {
            diagnostics.Error(location, assignment.Key, $"expected a table, got {assignment.Value.KindName}");
            return;
        }

        var suggestion = KeySuggestion.Closest(assignment.Key);
        var hint = suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?";
        diagnostics.Warning(location, assignment.Key, $"unknown key, ignored{hint}");
    }
}
