using System.Text.Json;

namespace BilbyRelay.EdgeSimulator;

/// <summary>One control message received from the relay, kept as parsed JSON.</summary>
public sealed class EdgeMessage
{
    private EdgeMessage(string type, JsonElement root)
    {
        Type = type;
        Root = root;
    }

    public string Type { get; }

    public JsonElement Root { get; }

    public string? TunnelId => GetString("tunnel_id");

    public string? Reason => GetString("reason");

    public string? GetString(string property) =>
        Root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static EdgeMessage Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement.Clone();
        var type = root.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        return new EdgeMessage(type, root);
    }

    public override string ToString() => Root.GetRawText();
}
