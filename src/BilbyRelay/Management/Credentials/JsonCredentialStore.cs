using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BilbyRelay.Management.Credentials;

/// <summary>
/// Credentials in an upstream-style <c>relay.json</c>: the <c>manager</c> object gets <c>node_id</c>
/// (where <c>registration_token</c> was) and <c>node_secret</c>; <c>registration_token</c> is removed;
/// every other key keeps its value and order. Written indented, atomically.
/// </summary>
internal sealed class JsonCredentialStore : ICredentialStore
{
    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public JsonCredentialStore(string path)
    {
        Location = path;
    }

    public string Location { get; }

    public void Persist(string nodeId, string nodeSecret)
    {
        JsonObject root;
        try
        {
            var text = File.ReadAllBytes(Location);
            root = JsonNode.Parse(text, documentOptions: ReadOptions) as JsonObject
                ?? throw new CredentialPersistenceException($"{Location}: the top level is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new CredentialPersistenceException($"{Location}: not valid JSON ({ex.Message})", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CredentialPersistenceException($"{Location}: {ex.Message}", ex);
        }

        if (root["manager"] is not JsonObject manager)
        {
            if (root.ContainsKey("manager"))
            {
                throw new CredentialPersistenceException($"{Location}: \"manager\" is not an object");
            }

            manager = [];
            root["manager"] = manager;
        }

        SetCredentials(manager, nodeId, nodeSecret);

        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            root.WriteTo(writer);
        }

        buffer.Write("\n"u8);
        try
        {
            AtomicFile.Replace(Location, buffer.WrittenSpan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CredentialPersistenceException($"{Location}: {ex.Message}", ex);
        }
    }

    private static void SetCredentials(JsonObject manager, string nodeId, string nodeSecret)
    {
        var tokenIndex = manager.IndexOf("registration_token");
        if (!manager.ContainsKey("node_id") && tokenIndex >= 0)
        {
            manager.SetAt(tokenIndex, "node_id", nodeId);
        }
        else
        {
            manager.Remove("registration_token");
            manager["node_id"] = nodeId;
        }

        var idIndex = manager.IndexOf("node_id");
        if (manager.ContainsKey("node_secret"))
        {
            manager["node_secret"] = nodeSecret;
        }
        else
        {
            manager.Insert(idIndex + 1, "node_secret", nodeSecret);
        }
    }
}
