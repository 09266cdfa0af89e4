using System.Buffers;
using System.Text.Json;

namespace BilbyRelay.Core.Protocol;

/// <summary>How a control frame parsed.</summary>
public enum EdgeMessageParseStatus
{
    /// <summary>A known message with all required fields.</summary>
    Known,

    /// <summary>Valid JSON object whose <c>type</c> is missing or not one the relay knows: ignore it.</summary>
    UnknownType,

    /// <summary>Not a JSON object, or a known type with missing or ill-typed fields: skip it.</summary>
    Malformed,
}

/// <summary>The outcome of parsing one control frame.</summary>
public readonly record struct EdgeMessageParseResult(EdgeMessageParseStatus Status, EdgeMessage? Message, string? Error);

/// <summary>
/// Tolerant control-message parsing in two passes: find the top-level <c>type</c> (without
/// allocating), then deserialize the matching record with the source-generated context. Unknown
/// fields are ignored, as newer edges may add some.
/// </summary>
/// <remarks>
/// A frame that spans several pipe segments is copied into one pooled buffer and parsed from there.
/// Utf8JsonReader's multi-segment path throws <see cref="IndexOutOfRangeException"/> instead of
/// <see cref="JsonException"/> for a literal cut short at the end of the input (<c>t</c> split as
/// <c>"t" + ""</c>), which would end an edge's control stream over a frame that is merely malformed; frames
/// are bounded by the control frame cap, so the copy is small.
/// </remarks>
public static class EdgeMessageParser
{
    private delegate T SpanParser<T>(ReadOnlySpan<byte> json);

    private enum MessageKind
    {
        Unknown,
        Hello,
        Identify,
        TunnelBind,
        TunnelUnbind,
        Ping,
    }

    public static EdgeMessageParseResult Parse(ReadOnlySequence<byte> json) => Contiguous(json, static span => Parse(span));

    private static EdgeMessageParseResult Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var kind = FindKind(json);
            EdgeMessage? message = kind switch
            {
                MessageKind.Hello => Deserialize(json, RelayJsonContext.Default.HelloMessage),
                MessageKind.Identify => Deserialize(json, RelayJsonContext.Default.IdentifyMessage),
                MessageKind.TunnelBind => Deserialize(json, RelayJsonContext.Default.TunnelBindMessage),
                MessageKind.TunnelUnbind => Deserialize(json, RelayJsonContext.Default.TunnelUnbindMessage),
                MessageKind.Ping => PingMessage.Instance,
                _ => null,
            };

            if (kind == MessageKind.Unknown)
            {
                return new(EdgeMessageParseStatus.UnknownType, null, null);
            }

            return message is null
                ? new(EdgeMessageParseStatus.Malformed, null, "null message")
                : new(EdgeMessageParseStatus.Known, message, null);
        }
        catch (JsonException ex)
        {
            return new(EdgeMessageParseStatus.Malformed, null, ex.Message);
        }
    }

    /// <summary>Parses a data-stream header; null when it is not valid JSON, lacks a UUID, or is not <c>tcp</c>.</summary>
    public static DataStreamHeader? ParseDataStreamHeader(ReadOnlySequence<byte> json) =>
        Contiguous(json, static span => ParseDataStreamHeader(span));

    private static DataStreamHeader? ParseDataStreamHeader(ReadOnlySpan<byte> json)
    {
        try
        {
            var header = Deserialize(json, RelayJsonContext.Default.DataStreamHeader);
            return header is { StreamType: RelayProtocol.StreamTypeTcp } ? header : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="parse"/> on <paramref name="json"/> as one span, copying a multi-segment input into a pooled buffer.</summary>
    private static T Contiguous<T>(ReadOnlySequence<byte> json, SpanParser<T> parse)
    {
        if (json.IsSingleSegment)
        {
            return parse(json.FirstSpan);
        }

        var length = checked((int)json.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            json.CopyTo(buffer);
            return parse(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static T? Deserialize<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var reader = new Utf8JsonReader(json);
        return JsonSerializer.Deserialize(ref reader, typeInfo);
    }

    /// <summary>Walks the top level of the object for a string <c>type</c>; throws JsonException if not an object.</summary>
    private static MessageKind FindKind(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("control message is not a JSON object");
        }

        var kind = MessageKind.Unknown;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                kind = Classify(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        // Reading to the end validates the whole object, so truncated JSON counts as malformed.
        return kind;
    }

    private static MessageKind Classify(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("hello"u8))
        {
            return MessageKind.Hello;
        }

        if (reader.ValueTextEquals("identify"u8))
        {
            return MessageKind.Identify;
        }

        if (reader.ValueTextEquals("tunnel_bind"u8))
        {
            return MessageKind.TunnelBind;
        }

        if (reader.ValueTextEquals("tunnel_unbind"u8))
        {
            return MessageKind.TunnelUnbind;
        }

        return reader.ValueTextEquals("ping"u8) ? MessageKind.Ping : MessageKind.Unknown;
    }

    /// <summary>What <see cref="ReadTypeName"/> returns for a <c>type</c> string that is not valid UTF-8.</summary>
    public const string InvalidTypeName = "(not valid UTF-8)";

    /// <summary>The <c>type</c> string for debug logging of an unknown message; allocates, so only call when logging.</summary>
    public static string? ReadTypeName(ReadOnlySequence<byte> json) => Contiguous(json, static span => ReadTypeName(span));

    private static string? ReadTypeName(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        catch (InvalidOperationException)
        {
            // GetString refuses a string that is not valid UTF-8; the log line still says the type was unknown.
            return InvalidTypeName;
        }

        return null;
    }
}
