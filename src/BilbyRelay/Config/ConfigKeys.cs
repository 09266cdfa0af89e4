using System.Globalization;
using System.Net;
using BilbyRelay.Core.Diagnostics;

namespace BilbyRelay.Config;

/// <summary>
/// Every key the relay understands, in the order they are documented and printed. A key in a file
/// that is not listed here is reported as a warning, so a typo never falls back to a default unnoticed.
/// </summary>
public static class ConfigKeys
{
    public const long MinReceiveWindow = 64 * 1024;
    public const long MaxStreamReceiveWindow = 1024L * 1024 * 1024;
    public const long MaxConnectionReceiveWindow = 4L * 1024 * 1024 * 1024;

    /// <summary>Tables that may appear in a file; a value assigned to one of these names is a type error.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["manager", "logging", "logging.json_target"];

    /// <summary>Pairs of keys that set the same thing; giving both in one source is an error.</summary>
    public static IReadOnlyList<(string Single, string List)> Alternatives { get; } =
    [
        ("quic_addr", "quic_addrs"),
        ("api_addr", "api_addrs"),
    ];

    private static readonly (string Text, EventLogKind Value)[] EventLogKinds =
        [("stdout", EventLogKind.Stdout), ("file", EventLogKind.File), ("syslog", EventLogKind.Syslog)];

    private static readonly (string Text, EventLogFormat Value)[] EventLogFormats =
        [("raw", EventLogFormat.Raw), ("splunk", EventLogFormat.Splunk), ("dataminer", EventLogFormat.DataMiner)];

    public static IReadOnlyList<ConfigKey> All { get; } =
    [
        new()
        {
            Name = "quic_addr",
            TypeName = "string",
            DefaultText = "0.0.0.0:4433",
            CommandLineOption = "--quic-addr",
            Description = "UDP address of the QUIC listener (IPv6 as \"[::]:4433\").",
            Apply = static (c, v) => ApplyEndpoints(v, single: true, list => c.QuicAddrs = list),
        },
        new()
        {
            Name = "quic_addrs",
            TypeName = "list",
            DefaultText = "[\"0.0.0.0:4433\"]",
            CommandLineOption = "--quic-addrs",
            Description = "Several QUIC listen addresses, e.g. dual stack [\"0.0.0.0:4433\", \"[::]:4433\"]; replaces quic_addr.",
            Apply = static (c, v) => ApplyEndpoints(v, single: false, list => c.QuicAddrs = list),
        },
        new()
        {
            Name = "quic_threads",
            TypeName = "integer",
            DefaultText = "the number of CPUs the process may use",
            CommandLineOption = "--quic-threads",
            Description = "QUIC event loops per listen address, each a thread with its own SO_REUSEPORT socket and connections. Range 1-256.",
            Apply = static (c, v) =>
            {
                if (v.TryGetInteger(1, 256, out var n))
                {
                    c.QuicThreads = (int)n;
                }
            },
        },
        new()
        {
            Name = "api_addr",
            TypeName = "string",
            DefaultText = "0.0.0.0:4480",
            CommandLineOption = "--api-addr",
            Description = "TCP address of the REST/stats endpoint.",
            Apply = static (c, v) => ApplyEndpoints(v, single: true, list => c.ApiAddrs = list),
        },
        new()
        {
            Name = "api_addrs",
            TypeName = "list",
            DefaultText = "[\"0.0.0.0:4480\"]",
            CommandLineOption = "--api-addrs",
            Description = "Several REST/stats listen addresses; replaces api_addr.",
            Apply = static (c, v) => ApplyEndpoints(v, single: false, list => c.ApiAddrs = list),
        },
        new()
        {
            Name = "public_quic_addr",
            TypeName = "string",
            DefaultText = "(none)",
            CommandLineOption = "--public-quic-addr",
            Description = "The host:port edges dial, reported to the manager; a DNS name is allowed.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var text))
                {
                    if (EndpointText.TryValidateHostPort(text, out var error))
                    {
                        c.PublicQuicAddr = text;
                    }
                    else
                    {
                        v.Error(error);
                    }
                }
            },
        },
        new()
        {
            Name = "tls_cert_path",
            TypeName = "string",
            DefaultText = "(none: self-signed)",
            Description = "PEM certificate chain for QUIC; set together with tls_key_path.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var path))
                {
                    c.TlsCertPath = path;
                }
            },
        },
        new()
        {
            Name = "tls_key_path",
            TypeName = "string",
            DefaultText = "(none: self-signed)",
            Description = "PEM private key for tls_cert_path.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var path))
                {
                    c.TlsKeyPath = path;
                }
            },
        },
        new()
        {
            Name = "api_token",
            TypeName = "string",
            DefaultText = "(none: open API)",
            IsSecret = true,
            Description = "Bearer token required by every REST route except /health.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var token))
                {
                    c.ApiToken = token;
                }
            },
        },
        new()
        {
            Name = "require_bind_auth",
            TypeName = "boolean",
            DefaultText = "false",
            Description = "Reject tunnel binds the manager has not pre-authorized.",
            Apply = static (c, v) =>
            {
                if (v.TryGetBoolean(out var value))
                {
                    c.RequireBindAuth = value;
                }
            },
        },
        Integer("max_connections_per_ip", 64, 1, 1_000_000, "Live QUIC connections allowed from one source IP.", static (c, n) => c.MaxConnectionsPerIp = (int)n),
        Integer("max_tunnels_per_connection", 100, 1, 1_000_000, "Tunnel slots one edge connection may hold.", static (c, n) => c.MaxTunnelsPerConnection = (int)n),
        Integer(
            "retry_above_handshakes_per_sec",
            500,
            0,
            10_000_000,
            "QUIC connection attempts per second on one listen address above which new clients must first echo a Retry token (address validation against handshake floods); 0: always.",
            static (c, n) => c.RetryAboveHandshakesPerSec = (int)n),
        new()
        {
            Name = "quic_retry_enabled",
            TypeName = "boolean",
            DefaultText = "true",
            Description = "Send QUIC Retry above retry_above_handshakes_per_sec; false: never (floods are then bounded by max_half_open_connections alone).",
            Apply = static (c, v) =>
            {
                if (v.TryGetBoolean(out var value))
                {
                    c.QuicRetryEnabled = value;
                }
            },
        },
        Integer("max_half_open_connections", 1000, 1, 10_000_000, "QUIC connections per listen address whose handshake has not completed; further attempts are dropped.", static (c, n) => c.MaxHalfOpenConnections = (int)n),
        new()
        {
            Name = "udp_relay_enabled",
            TypeName = "boolean",
            DefaultText = "true",
            CommandLineNegation = "--no-udp-relay",
            Description = "Run the native UDP relay plane (plain UDP for SRT/RIST, tunnel protocol 2); false: no socket, no udp-relay capability.",
            Apply = static (c, v) =>
            {
                if (v.TryGetBoolean(out var value))
                {
                    c.UdpRelayEnabled = value;
                }
            },
        },
        new()
        {
            Name = "udp_relay_addrs",
            TypeName = "list",
            DefaultText = "[\"0.0.0.0:4434\", \"[::]:4434\"]",
            CommandLineOption = "--udp-relay-addrs",
            Description = "UDP addresses of the native relay plane, one socket each; an empty list means the default.",
            Apply = static (c, v) => ApplyUdpRelayAddrs(c, v),
        },
        new()
        {
            Name = "public_udp_addr",
            TypeName = "string",
            DefaultText = "(none: public_quic_addr's host with the UDP port)",
            CommandLineOption = "--public-udp-addr",
            Description = "The host:port edges send native UDP to, reported to the manager; a DNS name is allowed.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var text))
                {
                    if (EndpointText.TryValidateHostPort(text, out var error))
                    {
                        c.PublicUdpAddr = text;
                    }
                    else
                    {
                        v.Error(error);
                    }
                }
            },
        },
        new()
        {
            Name = "max_udp_sessions_per_ip",
            TypeName = "integer",
            DefaultText = "max_connections_per_ip",
            Description = "Native UDP sessions one source IP (IPv6: one /64) may create and keep. Range 1-1000000.",
            Apply = static (c, v) =>
            {
                if (v.TryGetInteger(1, 1_000_000, out var n))
                {
                    c.MaxUdpSessionsPerIp = (int)n;
                }
            },
        },
        Integer("max_udp_sessions", 100_000, 1, 10_000_000, "Native UDP sessions the whole relay may hold.", static (c, n) => c.MaxUdpSessions = (int)n),
        new()
        {
            Name = "log_level",
            TypeName = "string",
            DefaultText = "info",
            CommandLineOption = "--log-level",
            Description = "Least severe level logged: trace, debug, info, warn or error.",
            Apply = static (c, v) =>
            {
                if (v.TryGetString(out var text))
                {
                    if (LogLevelText.TryParse(text, out var level))
                    {
                        c.LogLevel = level;
                    }
                    else
                    {
                        v.Error($"'{text}' is not a log level (trace, debug, info, warn, error)");
                    }
                }
            },
        },
        new()
        {
            Name = "log_format",
            TypeName = "string",
            DefaultText = "text",
            CommandLineOption = "--log-format",
            Description = "Log line format on stderr: text or json (one object per line).",
            Apply = static (c, v) =>
            {
                if (v.TryGetString(out var text))
                {
                    switch (text.ToLowerInvariant())
                    {
                        case "text":
                            c.LogFormat = LogFormat.Text;
                            break;
                        case "json":
                            c.LogFormat = LogFormat.Json;
                            break;
                        default:
                            v.Error($"'{text}' is not a log format (text, json)");
                            break;
                    }
                }
            },
        },
        Integer("keep_alive_interval_secs", 5, 1, 600, "Seconds between QUIC keep-alive probes; must be below idle_timeout_secs.", static (c, n) => c.KeepAliveIntervalSecs = (int)n),
        Integer("idle_timeout_secs", 25, 2, 3600, "Seconds of silence after which a QUIC connection is considered dead.", static (c, n) => c.IdleTimeoutSecs = (int)n),
        Integer("stream_receive_window", 16L * 1024 * 1024, MinReceiveWindow, MaxStreamReceiveWindow, "Bytes buffered per stream (QUIC flow-control window).", static (c, n) => c.StreamReceiveWindow = n),
        Integer("connection_receive_window", 64L * 1024 * 1024, MinReceiveWindow, MaxConnectionReceiveWindow, "Bytes buffered per connection across its streams.", static (c, n) => c.ConnectionReceiveWindow = n),
        new()
        {
            Name = "max_buffered_bytes",
            TypeName = "integer",
            DefaultText = "a quarter of the memory the process may use (cgroup limit, else RAM), at most 1073741824",
            Description = "Bytes the relay holds for all edges together (stream buffers, unacknowledged data, datagram queues); near it windows shrink and datagrams drop. Range 1048576-1099511627776.",
            Apply = static (c, v) =>
            {
                if (v.TryGetInteger(1L << 20, 1L << 40, out var n))
                {
                    c.MaxBufferedBytes = n;
                }
            },
        },
        Integer("event_queue_capacity", 4096, 1, 1_048_576, "Events kept while the manager is unreachable; the oldest are dropped beyond this.", static (c, n) => c.EventQueueCapacity = (int)n),
        new()
        {
            Name = "manager.enabled",
            TypeName = "boolean",
            DefaultText = "false",
            Description = "Connect to the bilbycast manager.",
            Apply = static (c, v) =>
            {
                if (v.TryGetBoolean(out var value))
                {
                    c.Manager.Enabled = value;
                }
            },
        },
        new()
        {
            Name = "manager.urls",
            TypeName = "list",
            DefaultText = "[]",
            Description = "Manager WebSocket URLs (1-16, each wss://), tried round robin.",
            Apply = static (c, v) => ApplyManagerUrls(c, v),
        },
        new()
        {
            Name = "manager.registration_token",
            TypeName = "string",
            DefaultText = "(none)",
            IsSecret = true,
            Description = "One-time token; replaced in the file by node_id/node_secret after registration.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var token))
                {
                    c.Manager.RegistrationToken = token;
                }
            },
        },
        new()
        {
            Name = "manager.node_id",
            TypeName = "string",
            DefaultText = "(none)",
            Description = "Node identity issued by the manager.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var id))
                {
                    c.Manager.NodeId = id;
                }
            },
        },
        new()
        {
            Name = "manager.node_secret",
            TypeName = "string",
            DefaultText = "(none)",
            IsSecret = true,
            Description = "Node secret issued by the manager.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var secret))
                {
                    c.Manager.NodeSecret = secret;
                }
            },
        },
        new()
        {
            Name = "manager.credentials_file",
            TypeName = "string",
            DefaultText = "(none: credentials go into the config file)",
            Description = "File the relay keeps the manager-issued node_id/node_secret in, instead of rewriting the config file; read over the other sources when it exists.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var path))
                {
                    c.Manager.CredentialsFile = path;
                }
            },
        },
        new()
        {
            Name = "manager.accept_self_signed_cert",
            TypeName = "boolean",
            DefaultText = "false",
            Description = "Accept a self-signed manager certificate; needs BILBYCAST_ALLOW_INSECURE=1 in the environment.",
            Apply = static (c, v) =>
            {
                if (v.TryGetBoolean(out var value))
                {
                    c.Manager.AcceptSelfSignedCert = value;
                }
            },
        },
        new()
        {
            Name = "manager.cert_fingerprint",
            TypeName = "string",
            DefaultText = "(none)",
            Description = "SHA-256 of the manager's DER certificate, hex pairs separated by ':'.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var text))
                {
                    if (CertificateFingerprint.TryNormalize(text, out var normalized))
                    {
                        c.Manager.CertFingerprint = normalized;
                    }
                    else
                    {
                        v.Error($"'{text}' is not a SHA-256 fingerprint (32 hex pairs separated by ':', e.g. ab:cd:...)");
                    }
                }
            },
        },
        new()
        {
            Name = "logging.json_target.kind",
            TypeName = "string",
            DefaultText = "(none: no event log)",
            Description = "Structured event log: stdout, file or syslog (RFC 5424 over UDP); one JSON line per event.",
            Apply = static (c, v) => ApplyChoice(v, EventLogKinds, kind => c.EventLog.Kind = kind),
        },
        new()
        {
            Name = "logging.json_target.format",
            TypeName = "string",
            DefaultText = "raw",
            Description = "Event line shape: raw, splunk ({\"event\": ...}) or dataminer (error_code named parameter_id).",
            Apply = static (c, v) => ApplyChoice(v, EventLogFormats, format => c.EventLog.Format = format),
        },
        new()
        {
            Name = "logging.json_target.path",
            TypeName = "string",
            DefaultText = "(none)",
            Description = "File the event log is appended to; required when kind is file.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var path))
                {
                    c.EventLog.Path = path;
                }
            },
        },
        Integer("logging.json_target.max_size_mb", EventLogConfig.DefaultMaxSizeMb, 1, 1_048_576, "Size in MiB at which the event log file is rotated to path.1.", static (c, n) => c.EventLog.MaxSizeMb = (int)n),
        Integer("logging.json_target.max_backups", EventLogConfig.DefaultMaxBackups, 0, 1000, "Rotated event log files kept (path.1 newest); older ones are deleted.", static (c, n) => c.EventLog.MaxBackups = (int)n),
        new()
        {
            Name = "logging.json_target.addr",
            TypeName = "string",
            DefaultText = EventLogConfig.DefaultSyslogAddr,
            Description = "Syslog collector host:port (UDP) when kind is syslog.",
            Apply = static (c, v) =>
            {
                if (v.TryGetNonEmptyString(out var text))
                {
                    if (EndpointText.TryValidateHostPort(text, out var error))
                    {
                        c.EventLog.SyslogAddr = text;
                    }
                    else
                    {
                        v.Error(error);
                    }
                }
            },
        },
    ];

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(static k => k.Name, StringComparer.Ordinal);

    public static ConfigKey? Find(string name) => ByName.GetValueOrDefault(name);

    private static ConfigKey Integer(string name, long defaultValue, long minimum, long maximum, string description, Action<RelayConfig, long> store) => new()
    {
        Name = name,
        TypeName = "integer",
        DefaultText = defaultValue.ToString(CultureInfo.InvariantCulture),
        Description = $"{description} Range {minimum.ToString(CultureInfo.InvariantCulture)}-{maximum.ToString(CultureInfo.InvariantCulture)}.",
        Apply = (c, v) =>
        {
            if (v.TryGetInteger(minimum, maximum, out var n))
            {
                store(c, n);
            }
        },
    };

    /// <summary>Stores the value named by the text (any case), or reports the accepted names.</summary>
    private static void ApplyChoice<T>(ConfigValueReader value, (string Text, T Value)[] choices, Action<T> store)
    {
        if (!value.TryGetString(out var text))
        {
            return;
        }

        foreach (var (name, choice) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                store(choice);
                return;
            }
        }

        value.Error($"'{text}' is not one of {string.Join(", ", choices.Select(static c => c.Text))}");
    }

    private static void ApplyEndpoints(ConfigValueReader value, bool single, Action<IReadOnlyList<IPEndPoint>> store)
    {
        List<string>? texts;
        if (single)
        {
            if (!value.TryGetString(out var text))
            {
                return;
            }

            texts = [text];
        }
        else if (!value.TryGetStringList(out texts))
        {
            return;
        }

        if (texts.Count == 0)
        {
            value.Error("must list at least one address");
            return;
        }

        var endpoints = new List<IPEndPoint>(texts.Count);
        var ok = true;
        foreach (var text in texts)
        {
            if (EndpointText.TryParseListenEndpoint(text, out var endpoint, out var error))
            {
                endpoints.Add(endpoint);
            }
            else
            {
                value.Error(error);
                ok = false;
            }
        }

        if (ok)
        {
            store(endpoints);
        }
    }

    // Blank entries are skipped and each entry is trimmed (§5.8); a list with only blanks is an error, an empty one means the default.
    private static void ApplyUdpRelayAddrs(RelayConfig config, ConfigValueReader value)
    {
        if (!value.TryGetStringList(out var texts))
        {
            return;
        }

        if (texts.Count == 0)
        {
            config.UdpRelayAddrs = RelayConfig.DefaultUdpRelayAddrs;
            return;
        }

        var entries = texts.Select(static t => t.Trim()).Where(static t => t.Length > 0).ToList();
        if (entries.Count == 0)
        {
            value.Error("lists only blank entries; give at least one address, or an empty list for the default");
            return;
        }

        var endpoints = new List<IPEndPoint>(entries.Count);
        var ok = true;
        foreach (var text in entries)
        {
            if (!EndpointText.TryParseListenEndpoint(text, out var endpoint, out var error))
            {
                value.Error(error);
                ok = false;
            }
            else if (endpoints.Contains(endpoint))
            {
                value.Error($"lists '{text}' twice");
                ok = false;
            }
            else
            {
                endpoints.Add(endpoint);
            }
        }

        if (ok)
        {
            config.UdpRelayAddrs = endpoints;
        }
    }

    private static void ApplyManagerUrls(RelayConfig config, ConfigValueReader value)
    {
        if (!value.TryGetStringList(out var texts))
        {
            return;
        }

        if (texts.Count > ManagerConfig.MaxUrls)
        {
            value.Error($"lists {texts.Count.ToString(CultureInfo.InvariantCulture)} URLs; at most {ManagerConfig.MaxUrls.ToString(CultureInfo.InvariantCulture)} are allowed");
            return;
        }

        var urls = new List<Uri>(texts.Count);
        var ok = true;
        foreach (var text in texts)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                value.Error($"'{text}' is not an absolute URL");
                ok = false;
            }
            else if (uri.Scheme == "ws")
            {
                value.Error($"'{text}' uses ws://, which is refused: the manager link carries node credentials and must use wss://");
                ok = false;
            }
            else if (uri.Scheme != "wss")
            {
                value.Error($"'{text}' must be a wss:// URL");
                ok = false;
            }
            else
            {
                urls.Add(uri);
            }
        }

        if (ok)
        {
            config.Manager.Urls = urls;
        }
    }
}
