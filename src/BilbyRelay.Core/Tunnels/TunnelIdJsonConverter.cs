using System.Text.Json;
using System.Text.Json.Serialization;

namespace BilbyRelay.Core.Tunnels;

/// <summary>
/// Reads and writes <see cref="TunnelId"/> as a UUID string without allocating. A value that is not
/// a string holding a UUID throws <see cref="JsonException"/>, which makes the whole message malformed.
/// </summary>
public sealed class TunnelIdJsonConverter : JsonConverter<TunnelId>
{
    // The longest accepted text form is 38 chars (braced); anything past this is not a UUID.
    private const int MaxTextLength = 128;

    public override TunnelId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("tunnel_id must be a string");
        }

        Span<char> text = stackalloc char[MaxTextLength];
        int written;
        try
        {
            written = reader.CopyString(text);
        }
        catch (ArgumentException)
        {
            // Longer than any UUID form.
            throw new JsonException("tunnel_id is not a UUID");
        }

        return TunnelId.TryParse(text[..written], out var id) ? id : throw new JsonException("tunnel_id is not a UUID");
    }

    public override void Write(Utf8JsonWriter writer, TunnelId value, JsonSerializerOptions options)
    {
        Span<byte> utf8 = stackalloc byte[TunnelId.FormattedLength];
        value.TryFormat(utf8, out int written);
        writer.WriteStringValue(utf8[..written]);
    }
}
