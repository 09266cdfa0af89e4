namespace BilbyRelay.Config;

/// <summary>
/// Reads <c>manager.credentials_file</c> over the other sources. The file holds what the manager issued
/// last (<c>register_ack</c>, <c>rotate_secret</c>), which is newer than any node_id/node_secret or
/// registration_token an operator wrote into the configuration, so its two keys win. A missing file
/// means "not registered yet" and is not an error.
/// </summary>
internal static class CredentialsFileLayer
{
    private static readonly string[] Keys = ["manager.node_id", "manager.node_secret"];

    /// <summary>The assignments to apply last, or none when the key is unset or the file does not exist yet.</summary>
    public static IReadOnlyList<ConfigAssignment> Read(RelayConfig config, ConfigDiagnostics diagnostics)
    {
        if (config.Manager.CredentialsFile is not { } configured)
        {
            return [];
        }

        var path = Path.GetFullPath(configured);
        string text;
        try
        {
            if (!File.Exists(path))
            {
                return [];
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(ConfigLocation.InFile(path, 0), "manager.credentials_file", "cannot read the credentials file: " + e.Message);
            return [];
        }

        var assignments = new List<ConfigAssignment>();
        foreach (var assignment in TomlConfigReader.Read(text, path, diagnostics))
        {
            if (Keys.Contains(assignment.Key))
            {
                assignments.Add(assignment);
            }
            else
            {
                diagnostics.Warning(assignment.Value.Location, assignment.Key, "ignored: a credentials file holds only manager.node_id and manager.node_secret");
            }
        }

        if (assignments.Count != Keys.Length)
        {
            diagnostics.Error(ConfigLocation.InFile(path, 0), "manager.credentials_file", "the credentials file must set both manager.node_id and manager.node_secret");
            return [];
        }

        return assignments;
    }
}
