namespace BilbyRelay.Tests.Stats;

/// <summary>One response read off a raw socket: status, headers (names lower-cased) and body.</summary>
internal sealed record RawHttpResponse(int StatusCode, string StatusLine, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out string? value) ? value : null;
}
