using System.Runtime.Versioning;
using BilbyRelay.Management.Credentials;
using BilbyRelay.Tests.Common;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace BilbyRelay.Tests.Management;

// File modes are a Unix notion; the relay ships for Linux.
[UnsupportedOSPlatform("windows")]
public sealed class TomlCredentialStoreTests
{
    private const string ConfigWithToken = """
        # BilbyRelay configuration
        quic_addr = "0.0.0.0:4433"   # listen everywhere

        [manager]
        enabled = true
        # the manager cluster
        urls = ["wss://manager.example:8443/ws"] # primary
        # one-time token from the manager UI
        registration_token = "tok-123"
        future_option = 17

        # keep this comment
        [future_table]
        answer = 42

        """;

    [Fact]
    public void Rewrite_RegistrationToken_BecomesNodeCredentialsAndEverythingElseSurvives()
    {
        var updated = TomlCredentialStore.Rewrite(ConfigWithToken, "node-7", "s3cret");

        var expected = ConfigWithToken.Replace(
            "registration_token = \"tok-123\"\n",
            "node_id = \"node-7\"\nnode_secret = \"s3cret\"\n",
            StringComparison.Ordinal);
        Assert.Equal(expected, updated);
    }

    [Fact]
    public void Rewrite_ExistingNodeCredentials_ReplacedInPlace()
    {
        const string original = """
            [manager]
            node_id = "node-7"      # assigned
            node_secret = "old"     # rotated by the manager
            urls = ["wss://m:1/ws"]

            """;

        var updated = TomlCredentialStore.Rewrite(original, "node-7", "new-secret");

        Assert.Equal(original.Replace("\"old\"", "\"new-secret\"", StringComparison.Ordinal), updated);
    }

    [Fact]
    public void Rewrite_NoManagerTable_AppendsOneAndKeepsOriginalBytes()
    {
        const string original = "quic_addr = \"0.0.0.0:4433\" # no newline at end";

        var updated = TomlCredentialStore.Rewrite(original, "n", "s");

        Assert.StartsWith(original + "\n", updated, StringComparison.Ordinal);
        Assert.EndsWith("[manager]\nnode_id = \"n\"\nnode_secret = \"s\"\n", updated, StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_SecretNeedingEscapes_ReadsBackExactly()
    {
        const string secret = "q\"uote\\back\tslash";

        var updated = TomlCredentialStore.Rewrite(ConfigWithToken, "node-1", secret);

        var document = SyntaxParser.Parse(updated, "test");
        Assert.False(document.HasErrors);
        var values = new Dictionary<string, string?>();
        foreach (var table in document.Tables)
        {
            foreach (var keyValue in table.Items)
            {
                values[keyValue.Key!.ToString()!.Trim()] = (keyValue.Value as StringValueSyntax)?.Value;
            }
        }

        Assert.Equal(secret, values["node_secret"]);
        Assert.Equal("node-1", values["node_id"]);
        Assert.False(values.ContainsKey("registration_token"));
    }

    [Fact]
    public void Rewrite_InvalidToml_ThrowsAndNamesTheFile()
    {
        var error = Assert.Throws<CredentialPersistenceException>(() => TomlCredentialStore.Rewrite("[manager\nx = ", "n", "s", "relay.toml"));

        Assert.StartsWith("relay.toml: not valid TOML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_DottedManagerKeys_EditedInTheSameStyle()
    {
        const string original = """
            quic_addr = "0.0.0.0:4433"
            manager.enabled = true
            manager.registration_token = "t" # from the UI
            # below the token
            manager.urls = ["wss://m:1/ws"]

            [other]
            x = 1

            """;

        var updated = TomlCredentialStore.Rewrite(original, "n-1", "s-1");

        var expected = original.Replace(
            "manager.registration_token = \"t\" # from the UI\n",
            "manager.node_id = \"n-1\" # from the UI\nmanager.node_secret = \"s-1\"\n",
            StringComparison.Ordinal);
        Assert.Equal(expected, updated);
    }

    [Fact]
    public void Rewrite_InlineManagerTable_ThrowsWithAdvice()
    {
        var error = Assert.Throws<CredentialPersistenceException>(() => TomlCredentialStore.Rewrite("manager = { registration_token = \"t\" }\n", "n", "s"));

        Assert.Contains("[manager] table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_TokenAndNodeIdBothPresent_TokenRemovedCommentsBelowKept()
    {
        const string original = """
            [manager]
            node_id = "old"
            registration_token = "t"
            # about urls
            urls = []

            """;

        var updated = TomlCredentialStore.Rewrite(original, "n-2", "s-2");

        Assert.Equal("[manager]\nnode_id = \"n-2\"\nnode_secret = \"s-2\"\n# about urls\nurls = []\n", updated);
    }

    [Fact]
    public void Persist_ConfigFile_RewrittenAndModeKept()
    {
        using var directory = new TempFilesDirectory();
        var path = directory.WriteFile("relay.toml", ConfigWithToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        new TomlCredentialStore(path).Persist("node-7", "s3cret");

        var text = File.ReadAllText(path);
        Assert.Contains("node_id = \"node-7\"\nnode_secret = \"s3cret\"\n", text, StringComparison.Ordinal);
        Assert.Contains("# keep this comment", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(["relay.toml"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Persist_MissingFile_ThrowsReadableError()
    {
        using var directory = new TempFilesDirectory();
        var path = Path.Combine(directory.Path, "absent", "relay.toml");

        var error = Assert.Throws<CredentialPersistenceException>(() => new TomlCredentialStore(path).Persist("n", "s"));

        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Persist_DirectoryRefusesNewFiles_ThrowsAndLeavesFileUnchanged()
    {
        using var directory = new TempFilesDirectory();
        var path = directory.WriteFile("relay.toml", ConfigWithToken);
        var store = new TomlCredentialStore(path);

        // Root ignores permission bits, so make the rename impossible instead: a directory that
        // cannot take the temporary file. Non-root: a read-only directory. Root: the path's
        // directory is swapped for a plain file after the store was created.
        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.SetUnixFileMode(directory.Path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            try
            {
                Assert.Throws<CredentialPersistenceException>(() => store.Persist("n", "s"));
            }
            finally
            {
                File.SetUnixFileMode(directory.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Assert.Equal(ConfigWithToken, File.ReadAllText(path));
        }
        else
        {
            var blocked = Path.Combine(directory.Path, "not-a-directory");
            File.WriteAllText(blocked, "plain file");
            var error = Assert.Throws<CredentialPersistenceException>(() => new TomlCredentialStore(Path.Combine(blocked, "relay.toml")).Persist("n", "s"));
            Assert.Contains("not-a-directory", error.Message, StringComparison.Ordinal);
            Assert.Equal(ConfigWithToken, File.ReadAllText(path));
        }
    }
}
