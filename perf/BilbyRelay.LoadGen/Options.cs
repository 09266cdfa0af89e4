using System.Globalization;
using System.Net;

namespace BilbyRelay.LoadGen;

/// <summary><c>--name value</c> options after the subcommand; every option has a default so a bare subcommand runs.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                options._values[arg[2..equals]] = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                options._values[arg[2..]] = args[++i];
            }
            else
            {
                options._values[arg[2..]] = "true";
            }
        }

        return options;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name) ?? fallback;

    public bool Has(string name) => _values.ContainsKey(name);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Byte counts with an optional K/M/G suffix (powers of 1024).</summary>
    public long Bytes(string name, long fallback)
    {
        if (!_values.TryGetValue(name, out var v))
        {
            return fallback;
        }

        var multiplier = 1L;
        switch (char.ToUpperInvariant(v[^1]))
        {
            case 'K': multiplier = 1L << 10; v = v[..^1]; break;
            case 'M': multiplier = 1L << 20; v = v[..^1]; break;
            case 'G': multiplier = 1L << 30; v = v[..^1]; break;
        }

        return (long)(double.Parse(v, CultureInfo.InvariantCulture) * multiplier);
    }

    public IPEndPoint? EndPoint(string name) => _values.TryGetValue(name, out var v) ? IPEndPoint.Parse(v) : null;

    public IReadOnlyList<string> List(string name, string fallback) =>
        Get(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
