using System.Security.Cryptography;
using System.Text;

namespace BilbyRelay.EdgeSimulator;

/// <summary>How bilbycast edges compute a bind token from the shared bind secret.</summary>
public static class BindTokens
{
    public static string Compute(string bindSecret, Guid tunnelId, string direction)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(bindSecret), Encoding.UTF8.GetBytes($"{tunnelId:D}:{direction}"));
        return Convert.ToHexStringLower(mac);
    }
}
