using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace BilbyRelay.Config;

/// <summary>
/// Converts one <see cref="ConfigValue"/> to the type its key needs. Every failed conversion
/// records an error naming the key and the value's location and returns false, leaving the
/// configuration's previous value in place.
/// </summary>
public readonly struct ConfigValueReader
{
    private readonly ConfigDiagnostics _diagnostics;

    public ConfigValueReader(ConfigKey key, ConfigValue value, ConfigDiagnostics diagnostics)
    {
        Key = key;
        Value = value;
        _diagnostics = diagnostics;
    }

    public ConfigKey Key { get; }

    public ConfigValue Value { get; }

    public void Error(string message) => _diagnostics.Error(Value.Location, Key.Name, message);

    public bool TryGetString([NotNullWhen(true)] out string? result)
    {
        result = Value.String;
        if (Value.Kind == ConfigValueKind.String && result is not null)
        {
            return true;
        }

        Error($"expected a string, got {Value.KindName}");
        return false;
    }

    /// <summary>A string that must not be empty; an empty secret would silently disable a check.</summary>
    public bool TryGetNonEmptyString([NotNullWhen(true)] out string? result)
    {
        if (!TryGetString(out result))
        {
            return false;
        }

        if (result.Length == 0)
        {
            Error("must not be empty (remove the key to leave it unset)");
            result = null;
            return false;
        }

        return true;
    }

    public bool TryGetInteger(long minimum, long maximum, out long result)
    {
        result = 0;
        if (Value.Kind == ConfigValueKind.Integer)
        {
            result = Value.Integer;
        }
        else if (Value.IsText && long.TryParse(Value.String, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            result = parsed;
        }
        else
        {
            Error(Value.IsText ? $"'{Value.String}' is not an integer" : $"expected an integer, got {Value.KindName}");
            return false;
        }

        if (result < minimum || result > maximum)
        {
            Error($"{result.ToString(CultureInfo.InvariantCulture)} is out of range ({minimum.ToString(CultureInfo.InvariantCulture)}-{maximum.ToString(CultureInfo.InvariantCulture)})");
            return false;
        }

        return true;
    }

    public bool TryGetBoolean(out bool result)
    {
        result = false;
        if (Value.Kind == ConfigValueKind.Boolean)
        {
            result = Value.Boolean;
            return true;
        }

        if (Value.IsText)
        {
            switch (Value.String?.Trim().ToLowerInvariant())
            {
                case "true" or "1" or "yes" or "on":
                    result = true;
                    return true;
                case "false" or "0" or "no" or "off":
                    return true;
            }

            Error($"'{Value.String}' is not a boolean (true or false)");
            return false;
        }

        Error($"expected a boolean, got {Value.KindName}");
        return false;
    }

    /// <summary>An array of strings; text from the environment or command line is split on commas.</summary>
    public bool TryGetStringList([NotNullWhen(true)] out List<string>? result)
    {
        result = null;
        if (Value.IsText && Value.String is not null)
        {
            result = [.. Value.String.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            return true;
        }

        if (Value.Kind != ConfigValueKind.Array)
        {
            Error($"expected an array of strings, got {Value.KindName}");
            return false;
        }

        var list = new List<string>(Value.Items.Count);
        foreach (var item in Value.Items)
        {
            if (item.Kind != ConfigValueKind.String || item.String is null)
            {
                Error($"expected an array of strings, but an element is {item.KindName}");
                return false;
            }

            list.Add(item.String);
        }

        result = list;
        return true;
    }
}
