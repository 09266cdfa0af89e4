namespace BilbyRelay.Config;

/// <summary>
/// Rules that involve more than one key, checked after all sources are merged. Each error is
/// reported at the location of the key that last set the offending value.
/// </summary>
public static class ConfigValidator
{
    /// <summary>Must be "1" in the environment before <c>manager.accept_self_signed_cert</c> is honoured.</summary>
    public const string AllowInsecureVariable = "BILBYCAST_ALLOW_INSECURE";

    public static void Validate(RelayConfig config, IReadOnlyDictionary<string, string> environment, Func<string, ConfigLocation> whereSet, ConfigDiagnostics diagnostics)
    {
        ValidateTls(config, whereSet, diagnostics);

        if (config.KeepAliveIntervalSecs >= config.IdleTimeoutSecs)
        {
            var location = FirstSet(whereSet, "keep_alive_interval_secs", "idle_timeout_secs");
            diagnostics.Error(location, "keep_alive_interval_secs",
                $"must be less than idle_timeout_secs ({config.IdleTimeoutSecs}), or idle connections time out between keep-alives");
        }

        if (config.ConnectionReceiveWindow < config.StreamReceiveWindow)
        {
            var location = FirstSet(whereSet, "connection_receive_window", "stream_receive_window");
            diagnostics.Error(location, "connection_receive_window",
                $"must be at least stream_receive_window ({config.StreamReceiveWindow}), or one stream could never use its window");
        }

        ValidateManager(config.Manager, environment, whereSet, diagnostics);
        ValidateEventLog(config.EventLog, whereSet, diagnostics);
    }

    private static void ValidateEventLog(EventLogConfig eventLog, Func<string, ConfigLocation> whereSet, ConfigDiagnostics diagnostics)
    {
        if (eventLog.Kind == EventLogKind.File && eventLog.Path is null)
        {
            diagnostics.Error(whereSet("logging.json_target.kind"), "logging.json_target.path", "kind is file but no path is set");
        }
        else if (eventLog.Kind == EventLogKind.File && Path.GetDirectoryName(Path.GetFullPath(eventLog.Path!)) is { } directory && !Directory.Exists(directory))
        {
            diagnostics.Error(whereSet("logging.json_target.path"), "logging.json_target.path", $"directory '{directory}' does not exist");
        }
    }

    /// <summary>
    /// Where to point an error about two keys: the first one the operator actually set, so a
    /// message never says "default" when the value that broke the rule came from a file line.
    /// </summary>
    private static ConfigLocation FirstSet(Func<string, ConfigLocation> whereSet, string preferred, string other)
    {
        var location = whereSet(preferred);
        return location == ConfigLocation.Default ? whereSet(other) : location;
    }

    private static void ValidateTls(RelayConfig config, Func<string, ConfigLocation> whereSet, ConfigDiagnostics diagnostics)
    {
        if ((config.TlsCertPath is null) != (config.TlsKeyPath is null))
        {
            var (set, missing) = config.TlsCertPath is null ? ("tls_key_path", "tls_cert_path") : ("tls_cert_path", "tls_key_path");
            diagnostics.Error(whereSet(set), set, $"is set but {missing} is not; set both or neither");
            return;
        }

        CheckFileExists(config.TlsCertPath, "tls_cert_path", whereSet, diagnostics);
        CheckFileExists(config.TlsKeyPath, "tls_key_path", whereSet, diagnostics);
    }

    private static void CheckFileExists(string? path, string key, Func<string, ConfigLocation> whereSet, ConfigDiagnostics diagnostics)
    {
        if (path is not null && !File.Exists(path))
        {
            diagnostics.Error(whereSet(key), key, $"file '{Path.GetFullPath(path)}' does not exist");
        }
    }

    private static void ValidateManager(ManagerConfig manager, IReadOnlyDictionary<string, string> environment, Func<string, ConfigLocation> whereSet, ConfigDiagnostics diagnostics)
    {
        if ((manager.NodeId is null) != (manager.NodeSecret is null))
        {
            var (set, missing) = manager.NodeId is null ? ("manager.node_secret", "manager.node_id") : ("manager.node_id", "manager.node_secret");
            diagnostics.Error(whereSet(set), set, $"is set but {missing} is not; node credentials come as a pair");
        }

        if (!manager.Enabled)
        {
            return;
        }

        if (manager.Urls.Count == 0)
        {
            diagnostics.Error(whereSet("manager.enabled"), "manager.urls", "the manager is enabled but no wss:// URL is configured (1-16 are needed)");
        }

        if (manager.NodeId is null && manager.RegistrationToken is null)
        {
            diagnostics.Error(whereSet("manager.enabled"), "manager.registration_token",
                "the manager is enabled but neither registration_token nor node_id/node_secret is set");
        }

        // Not an error: a missing opt-in must not take the data plane down. The manager link verifies the
        // certificate as usual instead, refuses a manager whose certificate does not verify, and says why in its
        // log and in /health.
        if (manager.AcceptSelfSignedCert && manager.CertFingerprint is null && environment.GetValueOrDefault(AllowInsecureVariable) != "1")
        {
            diagnostics.Warning(whereSet("manager.accept_self_signed_cert"), "manager.accept_self_signed_cert",
                $"is true but {AllowInsecureVariable}=1 is not set in the environment; the relay serves edges but will not connect to a manager whose certificate it cannot verify");
        }
    }
}
