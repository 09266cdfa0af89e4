using Tomlyn;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace BilbyRelay.Config;

/// <summary>
/// Reads a TOML file through Tomlyn's lossless syntax tree rather than an object mapper: the tree
/// keeps the line of every key, which is what lets each error and unknown-key warning point at
/// "relay.toml:12", and it needs no reflection. Tables flatten to dotted keys (<c>manager.urls</c>).
/// </summary>
public static class TomlConfigReader
{
    public static IReadOnlyList<ConfigAssignment> Read(string text, string path, ConfigDiagnostics diagnostics)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, path, validate: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException or TomlException)
        {
            // Tomlyn reports most mistakes as diagnostics but throws on a few (an escape at the very end of
            // the file, arrays nested deeper than 64); those are syntax errors too, without a line.
            diagnostics.Error(ConfigLocation.InFile(path, 0), null, "TOML syntax error: " + e.Message);
            return [];
        }

        if (document.HasErrors)
        {
            foreach (var message in document.Diagnostics)
            {
                if (message.Kind == DiagnosticMessageKind.Error)
                {
                    diagnostics.Error(ConfigLocation.InFile(path, message.Span.Start.Line + 1), null, "TOML syntax error: " + message.Message);
                }
            }

            return [];
        }

        var assignments = new List<ConfigAssignment>();
        foreach (var keyValue in document.KeyValues)
        {
            AddKeyValue(keyValue, prefix: string.Empty, path, assignments);
        }

        foreach (var table in document.Tables)
        {
            var name = TomlText.KeyName(table.Name);
            if (table is TableArraySyntax)
            {
                diagnostics.Error(ConfigLocation.InFile(path, table.Span.Start.Line + 1), name, "arrays of tables ([[...]]) are not used in the relay configuration");
                continue;
            }

            foreach (var keyValue in table.Items)
            {
                AddKeyValue(keyValue, name + ".", path, assignments);
            }
        }

        return assignments;
    }

    private static void AddKeyValue(KeyValueSyntax keyValue, string prefix, string path, List<ConfigAssignment> assignments)
    {
        var key = prefix + TomlText.KeyName(keyValue.Key);
        if (keyValue.Value is InlineTableSyntax inline)
        {
            foreach (var item in inline.Items)
            {
                if (item.KeyValue is { } nested)
                {
                    AddKeyValue(nested, key + ".", path, assignments);
                }
            }

            return;
        }

        var location = ConfigLocation.InFile(path, keyValue.Span.Start.Line + 1);
        assignments.Add(new ConfigAssignment(key, ToValue(keyValue.Value, location)));
    }

    private static ConfigValue ToValue(ValueSyntax? value, ConfigLocation location) => value switch
    {
        StringValueSyntax s => ConfigValue.FromString(s.Value ?? string.Empty, location),
        IntegerValueSyntax i => ConfigValue.FromInteger(i.Value, location),
        BooleanValueSyntax b => ConfigValue.FromBoolean(b.Value, location),
        FloatValueSyntax => ConfigValue.Other(ConfigValueKind.Float, location),
        DateTimeValueSyntax => ConfigValue.Other(ConfigValueKind.DateTime, location),
        ArraySyntax array => ConfigValue.FromArray([.. array.Items.Select(item => ToValue(item.Value, location))], location),
        InlineTableSyntax => ConfigValue.Other(ConfigValueKind.Table, location),
        _ => ConfigValue.Other(ConfigValueKind.Null, location),
    };
}
