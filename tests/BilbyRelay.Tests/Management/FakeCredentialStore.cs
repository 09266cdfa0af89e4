using System.Collections.Concurrent;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Tests.Management;

/// <summary>Records persisted credentials; fails with <see cref="FailWith"/> when set (simulates a read-only config).</summary>
internal sealed class FakeCredentialStore : ICredentialStore
{
    public string Location => "fake store";

    public string? FailWith { get; set; }

    public ConcurrentQueue<(string NodeId, string NodeSecret)> Persisted { get; } = new();

    public void Persist(string nodeId, string nodeSecret)
    {
        if (FailWith is { } failure)
        {
            throw new CredentialPersistenceException(failure);
        }

        Persisted.Enqueue((nodeId, nodeSecret));
    }
}
