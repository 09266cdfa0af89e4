using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BilbyRelay.Config;

/// <summary>One effective setting as printed: a string, long, bool, list of strings, or null when unset.</summary>
public readonly record struct EffectiveSetting(string Key, object? Value);

/// <summary>
/// The effective configuration as operators see it: check-config output, the start-up log line and
/// the manager's <c>get_config</c> answer. Secrets are always replaced by <see cref="Redacted"/>.
/// </summary>
public static class EffectiveConfig
{
    public const string Redacted = "***REDACTED***";

    public static IReadOnlyList<EffectiveSetting> Settings(RelayConfig config)
    {
        var manager = config.Manager;
        var eventLog = config.EventLog;
        return
        [
            new("quic_addrs", config.QuicAddrs.Select(static e => e.ToString()).ToList()),
            new("quic_threads", (long)config.QuicThreads),
            new("api_addrs", config.ApiAddrs.Select(static e => e.ToString()).ToList()),
            new("public_quic_addr", config.PublicQuicAddr),
            new("tls_cert_path", config.TlsCertPath),
            new("tls_key_path", config.TlsKeyPath),
            new("api_token", Redact(config.ApiToken)),
            new("require_bind_auth", config.RequireBindAuth),
            new("max_connections_per_ip", (long)config.MaxConnectionsPerIp),
            new("max_tunnels_per_connection", (long)config.MaxTunnelsPerConnection),
            new("retry_above_handshakes_per_sec", (long)config.RetryAboveHandshakesPerSec),
            new("quic_retry_enabled", config.QuicRetryEnabled),
            new("max_half_open_connections", (long)config.MaxHalfOpenConnections),
            new("udp_relay_enabled", config.UdpRelayEnabled),
            new("udp_relay_addrs", config.UdpRelayAddrs.Select(static e => e.ToString()).ToList()),
            new("public_udp_addr", config.PublicUdpAddr),
            new("max_udp_sessions_per_ip", (long)(config.MaxUdpSessionsPerIp ?? config.MaxConnectionsPerIp)),
            new("max_udp_sessions", (long)config.MaxUdpSessions),
            new("log_level", LogLevelText.Format(config.LogLevel)),
            new("log_format", config.LogFormat == LogFormat.Json ? "json" : "text"),
            new("keep_alive_interval_secs", (long)config.KeepAliveIntervalSecs),
            new("idle_timeout_secs", (long)config.IdleTimeoutSecs),
            new("stream_receive_window", config.StreamReceiveWindow),
            new("connection_receive_window", config.ConnectionReceiveWindow),
            new("max_buffered_bytes", config.MaxBufferedBytes),
            new("event_queue_capacity", (long)config.EventQueueCapacity),
            new("manager.enabled", manager.Enabled),
            new("manager.urls", manager.Urls.Select(static u => u.OriginalString).ToList()),
            new("manager.registration_token", Redact(manager.RegistrationToken)),
            new("manager.node_id", manager.NodeId),
            new("manager.node_secret", Redact(manager.NodeSecret)),
            new("manager.credentials_file", manager.CredentialsFile),
            new("manager.accept_self_signed_cert", manager.AcceptSelfSignedCert),
            new("manager.cert_fingerprint", manager.CertFingerprint),
            new("logging.json_target.kind", eventLog.Kind is { } kind ? EventLogConfig.ToText(kind) : null),
            new("logging.json_target.format", EventLogConfig.ToText(eventLog.Format)),
            new("logging.json_target.path", eventLog.Path),
            new("logging.json_target.max_size_mb", (long)eventLog.MaxSizeMb),
            new("logging.json_target.max_backups", (long)eventLog.MaxBackups),
            new("logging.json_target.addr", eventLog.SyslogAddr),
        ];
    }

    /// <summary>TOML that loads back to the same configuration (except redacted secrets); unset keys are commented out.</summary>
    public static string ToToml(RelayConfig config)
    {
        var text = new StringBuilder();
        text.Append("# Effective configuration (secrets redacted)\n");
        text.Append(config.File is null ? "# source: defaults, environment and command line\n" : $"# source: {config.File.Path}\n");
        var table = string.Empty;
        foreach (var setting in Settings(config))
        {
            var (settingTable, key) = SplitTable(setting.Key);
            if (settingTable != table)
            {
                text.Append("\n[").Append(settingTable).Append("]\n");
                table = settingTable;
            }

            if (setting.Value is null)
            {
                text.Append("# ").Append(key).Append(" is not set\n");
            }
            else
            {
                text.Append(key).Append(" = ").Append(TomlLiteral(setting.Value)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Writes the effective configuration as one JSON object with relay.json's keys (tables nested).</summary>
    public static void WriteJson(RelayConfig config, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        string[] open = [];
        foreach (var setting in Settings(config))
        {
            var (table, key) = SplitTable(setting.Key);
            string[] path = table.Length == 0 ? [] : table.Split('.');
            var common = 0;
            while (common < open.Length && common < path.Length && open[common] == path[common])
            {
                common++;
            }

            for (var i = open.Length; i > common; i--)
            {
                writer.WriteEndObject();
            }

            for (var i = common; i < path.Length; i++)
            {
                writer.WriteStartObject(path[i]);
            }

            open = path;
            writer.WritePropertyName(key);
            WriteJsonValue(writer, setting.Value);
        }

        for (var i = open.Length; i > 0; i--)
        {
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>Splits a dotted key into its table ("" at top level) and its name within the table.</summary>
    private static (string Table, string Key) SplitTable(string dottedKey)
    {
        var dot = dottedKey.LastIndexOf('.');
        return dot < 0 ? (string.Empty, dottedKey) : (dottedKey[..dot], dottedKey[(dot + 1)..]);
    }

    public static string ToJson(RelayConfig config)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            WriteJson(config, writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>One line of "key=value" pairs for the start-up log.</summary>
    public static string ToLogLine(RelayConfig config)
    {
        var text = new StringBuilder();
        foreach (var setting in Settings(config))
        {
            if (setting.Value is null)
            {
                continue;
            }

            if (text.Length > 0)
            {
                text.Append(' ');
            }

            text.Append(setting.Key).Append('=');
            text.Append(setting.Value switch
            {
                IReadOnlyList<string> list => "[" + string.Join(',', list) + "]",
                bool b => b ? "true" : "false",
                long n => n.ToString(CultureInfo.InvariantCulture),
                var other => other.ToString(),
            });
        }

        return text.ToString();
    }

    private static string? Redact(string? secret) => secret is null ? null : Redacted;

    private static string TomlLiteral(object value) => value switch
    {
        string s => TomlText.Quote(s),
        bool b => b ? "true" : "false",
        long n => n.ToString(CultureInfo.InvariantCulture),
        IReadOnlyList<string> list => "[" + string.Join(", ", list.Select(TomlText.Quote)) + "]",
        _ => throw new ArgumentException("unsupported setting type", nameof(value)),
    };

    private static void WriteJsonValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case long n:
                writer.WriteNumberValue(n);
                break;
            case IReadOnlyList<string> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    writer.WriteStringValue(item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException("unsupported setting type", nameof(value));
        }
    }
}
