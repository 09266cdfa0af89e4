namespace BilbyRelay.Stats;

/// <summary>The request methods the stats endpoint distinguishes; every other valid token is <see cref="Other"/>.</summary>
internal enum HttpMethodKind : byte
{
    Other,
    Get,
    Head,
    Delete,
}
