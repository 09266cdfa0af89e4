namespace BilbyRelay.Config;

/// <summary>A value given on the command line for a config key (e.g. <c>--quic-addr 127.0.0.1:4433</c>).</summary>
/// <param name="Option">The option as typed, for messages.</param>
public readonly record struct CommandLineSetting(string Key, string Value, string Option);

/// <summary>Everything the loader reads, passed in so tests control every source.</summary>
public sealed class ConfigLoadRequest
{
    /// <summary>From --config; when null, <c>BILBYRELAY_CONFIG</c> is consulted; when both are absent no file is read.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The option that named <see cref="ConfigPath"/> ("--config" or "-c"), for messages.</summary>
    public string ConfigPathOption { get; init; } = "--config";

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<CommandLineSetting> CommandLine { get; init; } = [];
}
