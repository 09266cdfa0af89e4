using System.Security.Cryptography;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>SHA-256 for the core under test (the executable passes GnuTLS's).</summary>
internal static class TestSha256
{
    public static readonly Sha256Function Function = (data, digest) => SHA256.HashData(data, digest);
}
