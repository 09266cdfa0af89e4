using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Management.Credentials;

namespace BilbyRelay.Tests.Management;

public sealed class CredentialStoresTests
{
    [Fact]
    public void ForConfigFile_PicksStoreByFileKind()
    {
        Assert.IsType<TomlCredentialStore>(CredentialStores.ForConfigFile(new ConfigFile("/etc/bilbyrelay/relay.toml", ConfigFileFormat.Toml), Logger.Null));
        Assert.IsType<JsonCredentialStore>(CredentialStores.ForConfigFile(new ConfigFile("/etc/bilbyrelay/relay.JSON", ConfigFileFormat.Json), Logger.Null));
        Assert.IsType<InMemoryCredentialStore>(CredentialStores.ForConfigFile(null, Logger.Null));
    }

    [Fact]
    public void ForConfigFile_FollowsTheLoadedFormatNotTheExtension()
    {
        // The loader reads a JSON document without a .json extension as JSON; credentials must be written back as JSON.
        Assert.IsType<JsonCredentialStore>(CredentialStores.ForConfigFile(new ConfigFile("/etc/bilbyrelay/relay.conf", ConfigFileFormat.Json), Logger.Null));
        Assert.IsType<TomlCredentialStore>(CredentialStores.ForConfigFile(new ConfigFile("/etc/bilbyrelay/relay.json.toml", ConfigFileFormat.Toml), Logger.Null));
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
