namespace BilbyRelay.Config;

/// <summary>Where the structured event log goes (<c>logging.json_target.kind</c>).</summary>
public enum EventLogKind
{
    Stdout,
    File,
    Syslog,
}

/// <summary>The shape of each event line (<c>logging.json_target.format</c>).</summary>
public enum EventLogFormat
{
    /// <summary>The event object as is.</summary>
    Raw,

    /// <summary>Wrapped as <c>{"event": {...}}</c>, the shape Splunk's HTTP Event Collector takes.</summary>
    Splunk,

    /// <summary><c>error_code</c> named <c>parameter_id</c>, as DataMiner's JSON connectors map it.</summary>
    DataMiner,
}

/// <summary>
/// The optional structured event log (<c>[logging.json_target]</c> table): every operator event as one JSON
/// line, for log collectors, whether or not a manager is configured. Off while <see cref="Kind"/> is null.
/// </summary>
public sealed class EventLogConfig
{
    public const int DefaultMaxSizeMb = 64;
    public const int DefaultMaxBackups = 5;
    public const string DefaultSyslogAddr = "127.0.0.1:514";

    public EventLogKind? Kind { get; set; }

    public EventLogFormat Format { get; set; } = EventLogFormat.Raw;

    /// <summary>The file written when <see cref="Kind"/> is <see cref="EventLogKind.File"/>; required then.</summary>
    public string? Path { get; set; }

    /// <summary>The file is rotated before a line would take it past this size.</summary>
    public int MaxSizeMb { get; set; } = DefaultMaxSizeMb;

    /// <summary>Rotated files kept (<c>path.1</c> newest to <c>path.N</c> oldest); 0 keeps none.</summary>
    public int MaxBackups { get; set; } = DefaultMaxBackups;

    /// <summary>The syslog collector's "host:port" (UDP) when <see cref="Kind"/> is <see cref="EventLogKind.Syslog"/>.</summary>
    public string SyslogAddr { get; set; } = DefaultSyslogAddr;

    public static string ToText(EventLogKind kind) => kind switch
    {
        EventLogKind.Stdout => "stdout",
        EventLogKind.File => "file",
        _ => "syslog",
    };

    public static string ToText(EventLogFormat format) => format switch
    {
        EventLogFormat.Raw => "raw",
        EventLogFormat.Splunk => "splunk",
        _ => "dataminer",
    };
}
