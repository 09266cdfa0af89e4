using System.Text.Json;
using System.Text.Unicode;

namespace BilbyRelay.Management;

/// <summary>
/// One message from the manager, parsed leniently: only <c>type</c> is required; unknown members are
/// ignored. Owns the parsed document: <see cref="Payload"/> is valid until <see cref="Dispose"/>.
/// </summary>
internal sealed class ManagerInboundMessage : IDisposable
{
    private readonly JsonDocument _document;

    private ManagerInboundMessage(JsonDocument document, string type)
    {
        _document = document;
        Type = type;
        Payload = document.RootElement.TryGetProperty("payload", out var payload) ? payload : default;
    }

    public string Type { get; }

    /// <summary>The <c>payload</c> member; <see cref="JsonValueKind.Undefined"/> when absent.</summary>
    public JsonElement Payload { get; }

    /// <summary>A string member of the top-level object (for <c>auth_error</c>'s <c>message</c>), else null.</summary>
    public string? GetTopLevelString(string name) =>
        _document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A string member of <see cref="Payload"/>, else null.</summary>
    public string? GetPayloadString(string name) =>
        Payload.ValueKind == JsonValueKind.Object && Payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Parses a text frame. False (and a reason) for text that is not UTF-8, malformed JSON, a non-object, or no string <c>type</c>.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> utf8, out ManagerInboundMessage? message, out string? error)
    {
        message = null;
        JsonDocument document;
        try
        {
            if (!EveryStringDecodes(utf8.Span))
            {
                error = "a string is not valid UTF-8 or holds an unpaired surrogate escape";
                return false;
            }

            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON: {ex.Message}";
            return false;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("type", out var type)
            || type.ValueKind != JsonValueKind.String)
        {
            document.Dispose();
            error = "not an object with a string \"type\"";
            return false;
        }

        message = new ManagerInboundMessage(document, type.GetString()!);
        error = null;
        return true;
    }

    public void Dispose() => _document.Dispose();

    /// <summary>
    /// The JSON parser checks structure, not what is inside strings: raw bytes that are not UTF-8 and
    /// escapes of unpaired surrogates pass it, and reading such a string later throws. One pass over
    /// every name and string value refuses those frames whole, before anything acts on them.
    /// Throws <see cref="JsonException"/> for malformed JSON.
    /// </summary>
    private static bool EveryStringDecodes(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
            {
                continue;
            }

            if (!reader.ValueIsEscaped)
            {
                if (!Utf8.IsValid(reader.ValueSpan))
                {
                    return false;
                }

                continue;
            }

            try
            {
                _ = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        return true;
    }
}
