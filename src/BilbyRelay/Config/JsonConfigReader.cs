using System.Text;
using System.Text.Json;

namespace BilbyRelay.Config;

/// <summary>
/// Reads the upstream relay's <c>relay.json</c> (same snake_case keys, <c>"manager": {...}</c>, <c>"logging": {"json_target": {...}}</c>)
/// with <see cref="Utf8JsonReader"/> so every key keeps its line number and no reflection is used.
/// JSON <c>null</c> means "not set", as the upstream relay writes optional keys.
/// </summary>
public static class JsonConfigReader
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static IReadOnlyList<ConfigAssignment> Read(string text, string path, ConfigDiagnostics diagnostics)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var lines = new LineMap(utf8);
        var assignments = new List<ConfigAssignment>();
        var reader = new Utf8JsonReader(utf8, Options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                diagnostics.Error(ConfigLocation.InFile(path, 1), null, "JSON configuration must be an object ({ ... })");
                return [];
            }

            ReadObject(ref reader, prefix: string.Empty, path, lines, assignments);
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            diagnostics.Error(ConfigLocation.InFile(path, line), null, "JSON syntax error: " + e.Message);
            return [];
        }

        return assignments;
    }

    /// <summary>Reads the members of the object whose StartObject the reader is on, up to its EndObject.</summary>
    private static void ReadObject(ref Utf8JsonReader reader, string prefix, string path, LineMap lines, List<ConfigAssignment> assignments)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = prefix + reader.GetString();
            var location = ConfigLocation.InFile(path, lines.LineOf(reader.TokenStartIndex));
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject && ConfigKeys.Tables.Contains(key))
            {
                ReadObject(ref reader, key + ".", path, lines, assignments);
                continue;
            }

            assignments.Add(new ConfigAssignment(key, ReadValue(ref reader, location)));
        }
    }

    private static ConfigValue ReadValue(ref Utf8JsonReader reader, ConfigLocation location)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return ConfigValue.FromString(reader.GetString() ?? string.Empty, location);
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var integer)
                    ? ConfigValue.FromInteger(integer, location)
                    : ConfigValue.Other(ConfigValueKind.Float, location);
            case JsonTokenType.True:
                return ConfigValue.FromBoolean(true, location);
            case JsonTokenType.False:
                return ConfigValue.FromBoolean(false, location);
            case JsonTokenType.StartArray:
                var items = new List<ConfigValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, location));
                }

                return ConfigValue.FromArray(items, location);
            case JsonTokenType.StartObject:
                reader.Skip();
                return ConfigValue.Other(ConfigValueKind.Table, location);
            default:
                return ConfigValue.Other(ConfigValueKind.Null, location);
        }
    }

    /// <summary>Maps a byte offset to a 1-based line number.</summary>
    private sealed class LineMap
    {
        private readonly List<long> _lineStarts = [0];

        public LineMap(ReadOnlySpan<byte> utf8)
        {
            for (var i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public int LineOf(long offset)
        {
            var index = _lineStarts.BinarySearch(offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }
    }
}
