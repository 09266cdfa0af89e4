using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Tests.Management;

public sealed class CredentialStoresTests
{
    [Fact]
    public void ForConfigFile_PicksStoreByFileKind()
    {
        Assert.IsType<TomlCredentialStore>(CredentialStores.ForConfigFile("/etc/bilbyrelay/relay.toml", Logger.Null));
        Assert.IsType<JsonCredentialStore>(CredentialStores.ForConfigFile("/etc/bilbyrelay/relay.JSON", Logger.Null));
        Assert.IsType<InMemoryCredentialStore>(CredentialStores.ForConfigFile(null, Logger.Null));
    }

    [Fact]
    public void InMemoryStore_Persist_KeepsCredentialsAndWarns()
    {
        var sink = new ListSink();
        var store = new InMemoryCredentialStore(new Logger(sink, "test"));

        store.Persist("node-1", "secret-1");

        Assert.Equal(("node-1", "secret-1"), store.Credentials);
        var entry = Assert.Single(sink.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(5013, entry.EventId);
    }

    private sealed class ListSink : LogSink
    {
        public List<LogEntry> Entries { get; } = [];

        public override void Write(in LogEntry entry)
        {
            lock (Entries)
            {
                Entries.Add(entry);
            }
        }
    }
}
