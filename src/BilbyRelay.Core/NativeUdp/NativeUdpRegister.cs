using System.Text.Json;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.NativeUdp;

/// <summary>
/// A parsed <c>register</c> control message (§5.3). The bind token stays as UTF-8 bytes in the caller's
/// buffer, so parsing allocates nothing.
/// </summary>
public readonly ref struct NativeUdpRegister
{
    public NativeUdpRegister(TunnelId tunnelId, TunnelDirection direction, ReadOnlySpan<byte> bindToken, bool hasBindToken, uint protocolVersion)
    {
        TunnelId = tunnelId;
        Direction = direction;
        BindToken = bindToken;
        HasBindToken = hasBindToken;
        ProtocolVersion = protocolVersion;
    }

    public TunnelId TunnelId { get; }

    public TunnelDirection Direction { get; }

    /// <summary>The token's UTF-8 bytes (unescaped); empty when <see cref="HasBindToken"/> is false.</summary>
    public ReadOnlySpan<byte> BindToken { get; }

    /// <summary>False when the field was missing or null: "no token".</summary>
    public bool HasBindToken { get; }

    /// <summary>0 when absent.</summary>
    public uint ProtocolVersion { get; }

    /// <summary>
    /// Parses the JSON body of a control datagram (after the 16-byte prefix). False for anything that is not
    /// exactly one JSON object of type <c>register</c> with the required fields of the right types; trailing
    /// JSON whitespace is allowed, unknown keys are ignored.
    /// </summary>
    /// <param name="tokenBuffer">Room for the unescaped bind token; at least as long as <paramref name="json"/>.</param>
    public static bool TryParse(ReadOnlySpan<byte> json, Span<byte> tokenBuffer, out NativeUdpRegister register)
    {
        register = default;
        try
        {
            return TryParseCore(json, tokenBuffer, out register);
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader.CopyString: a string whose escapes unfold to invalid UTF-8 (e.g. "\u00e9" next to a stray
            // continuation byte) is not a register either.
            return false;
        }
    }

    private static bool TryParseCore(ReadOnlySpan<byte> json, Span<byte> tokenBuffer, out NativeUdpRegister register)
    {
        register = default;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool typeOk = false, hasTunnel = false, hasDirection = false, hasToken = false;
        TunnelId tunnelId = default;
        var direction = TunnelDirection.Ingress;
        uint version = 0;
        var tokenLength = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                typeOk = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("register"u8);
                if (!typeOk)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("tunnel_id"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String || !TryParseTunnelId(ref reader, out tunnelId))
                {
                    return false;
                }

                hasTunnel = true;
            }
            else if (reader.ValueTextEquals("direction"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                if (reader.ValueTextEquals("ingress"u8))
                {
                    direction = TunnelDirection.Ingress;
                }
                else if (reader.ValueTextEquals("egress"u8))
                {
                    direction = TunnelDirection.Egress;
                }
                else
                {
                    return false;
                }

                hasDirection = true;
            }
            else if (reader.ValueTextEquals("bind_token"u8))
            {
                if (!reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.Null)
                {
                    hasToken = false;
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    tokenLength = reader.CopyString(tokenBuffer);
                    hasToken = true;
                }
                else
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("protocol_version"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt32(out version))
                {
                    return false;
                }
            }
            else
            {
                // Unknown keys are ignored, whatever their value.
                if (!reader.Read())
                {
                    return false;
                }

                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || !typeOk || !hasTunnel || !hasDirection)
        {
            return false;
        }

        // Anything after the object other than whitespace makes the reader throw (one top-level value only).
        if (reader.Read())
        {
            return false;
        }

        register = new NativeUdpRegister(tunnelId, direction, hasToken ? tokenBuffer[..tokenLength] : default, hasToken, version);
        return true;
    }

    // Upstream accepts every spelling its UUID parser does: hyphenated, 32 hex digits, {braced}, urn:uuid:, any case.
    private static bool TryParseTunnelId(ref Utf8JsonReader reader, out TunnelId id)
    {
        id = default;
        if (reader.ValueIsEscaped || reader.HasValueSequence || reader.ValueSpan.Length > 64)
        {
            return false;
        }

        var text = reader.ValueSpan;
        if (text.Length > 9 && System.Text.Ascii.EqualsIgnoreCase(text[..9], "urn:uuid:"u8))
        {
            text = text[9..];
        }

        return text.Length is 32 or 36 or 38 && TunnelId.TryParse(text, out id);
    }
}
