using System.Text;

namespace BilbyRelay.Stats;

/// <summary>The complete response sent to a connection refused by the connection cap, rendered once.</summary>
internal static class ServiceUnavailableResponse
{
    private const string Body = "{\"error\":\"too many connections\"}";

    public static byte[] Bytes { get; } = Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\n" +
        "Content-Type: application/json\r\n" +
        $"Content-Length: {Body.Length}\r\n" +
        "Connection: close\r\n" +
        "Retry-After: 1\r\n" +
        "\r\n" +
        Body);
}
