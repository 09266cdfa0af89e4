using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace BilbyRelay.Core.Tunnels;

/// <summary>
/// Bind tokens the manager pre-authorized per tunnel (§1.2 rule 2). Only SHA-256 digests of the
/// expected tokens are kept; a presented token is hashed and the digests are compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither the content nor the length of a
/// wrong token changes how long the comparison takes. Thread-safe.
/// </summary>
public sealed class BindTokenStore
{
    private const int DigestLength = 32;

    private readonly ConcurrentDictionary<TunnelId, ExpectedTokens> _tokens = new();
    private readonly Sha256Function _sha256;

    public BindTokenStore(bool requireBindAuth, Sha256Function sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        RequireBindAuth = requireBindAuth;
        _sha256 = sha256;
    }

    /// <summary>When true, a tunnel without stored tokens cannot be bound.</summary>
    public bool RequireBindAuth { get; }

    public int Count => _tokens.Count;

    /// <summary>Stores (or replaces) the expected tokens for both directions.</summary>
    public void Authorize(TunnelId id, string ingressToken, string egressToken)
    {
        ArgumentNullException.ThrowIfNull(ingressToken);
        ArgumentNullException.ThrowIfNull(egressToken);
        _tokens[id] = new ExpectedTokens(Digest(ingressToken), Digest(egressToken));
    }

    /// <summary>Forgets the tokens; false when none were stored.</summary>
    public bool Revoke(TunnelId id) => _tokens.TryRemove(id, out _);

    public bool IsAuthorized(TunnelId id) => _tokens.ContainsKey(id);

    /// <summary>Whether a bind of <paramref name="direction"/> presenting <paramref name="token"/> may proceed.</summary>
    public bool Check(TunnelId id, TunnelDirection direction, string? token)
    {
        if (!_tokens.TryGetValue(id, out var expected))
        {
            return !RequireBindAuth;
        }

        if (token is null)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[DigestLength];
        Digest(token, presented);
        return Matches(expected, direction, presented);
    }

    /// <summary>
    /// As <see cref="Check(TunnelId, TunnelDirection, string?)"/> for a token given as UTF-8 bytes
    /// (<paramref name="hasToken"/> false means "no token"); allocates nothing.
    /// </summary>
    public bool Check(TunnelId id, TunnelDirection direction, ReadOnlySpan<byte> utf8Token, bool hasToken)
    {
        if (!_tokens.TryGetValue(id, out var expected))
        {
            return !RequireBindAuth;
        }

        if (!hasToken)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[DigestLength];
        _sha256(utf8Token, presented);
        return Matches(expected, direction, presented);
    }

    private static bool Matches(ExpectedTokens expected, TunnelDirection direction, ReadOnlySpan<byte> presentedDigest) =>
        CryptographicOperations.FixedTimeEquals(presentedDigest, direction == TunnelDirection.Ingress ? expected.Ingress : expected.Egress);

    private byte[] Digest(string token)
    {
        var digest = new byte[DigestLength];
        Digest(token, digest);
        return digest;
    }

    private void Digest(string token, Span<byte> destination)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(token);
        try
        {
            _sha256(utf8, destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(utf8);
        }
    }

    private sealed record ExpectedTokens(byte[] Ingress, byte[] Egress);
}
