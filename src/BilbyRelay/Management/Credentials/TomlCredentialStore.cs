using System.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace BilbyRelay.Management.Credentials;

/// <summary>
/// Credentials in the TOML config file, edited through Tomlyn's lossless syntax tree so comments,
/// blank lines, key order and unknown keys survive byte for byte. In the <c>[manager]</c> table (or
/// among top-level <c>manager.*</c> dotted keys): <c>registration_token = "…"</c> becomes
/// <c>node_id = "…"</c> on the same line (its comments stay beside it) followed by
/// <c>node_secret = "…"</c>; existing <c>node_id</c>/<c>node_secret</c> values are replaced in place;
/// with no manager settings at all a <c>[manager]</c> table is appended. An inline table
/// (<c>manager = { … }</c>) is refused with advice. The result is re-parsed and checked before it is
/// written atomically.
/// </summary>
internal sealed class TomlCredentialStore : ICredentialStore
{
    private const string TableName = "manager";
    private const string RegistrationTokenKey = "registration_token";
    private const string NodeIdKey = "node_id";
    private const string NodeSecretKey = "node_secret";

    public TomlCredentialStore(string path)
    {
        Location = path;
    }

    public string Location { get; }

    public void Persist(string nodeId, string nodeSecret)
    {
        string original;
        try
        {
            original = File.ReadAllText(Location);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CredentialPersistenceException($"{Location}: {ex.Message}", ex);
        }

        var updated = Rewrite(original, nodeId, nodeSecret, Location);
        try
        {
            AtomicFile.Replace(Location, Encoding.UTF8.GetBytes(updated));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CredentialPersistenceException($"{Location}: {ex.Message}", ex);
        }
    }

    /// <summary>The edited document text. Pure: no I/O, so tests can check layout preservation directly.</summary>
    public static string Rewrite(string original, string nodeId, string nodeSecret, string sourceName = "config")
    {
        var document = SyntaxParser.Parse(original, sourceName);
        if (document.HasErrors)
        {
            throw new CredentialPersistenceException($"{sourceName}: not valid TOML ({FirstDiagnostic(document)})");
        }

        string updated;
        var target = FindManagerSettings(document, sourceName);
        if (target is null)
        {
            // No manager settings: append a table. Text-level append keeps the original bytes untouched.
            var separator = original.Length == 0 ? string.Empty : original.EndsWith('\n') ? "\n" : "\n\n";
            updated = $"{original}{separator}[{TableName}]\n{NodeIdKey} = {Quote(nodeId)}\n{NodeSecretKey} = {Quote(nodeSecret)}\n";
        }
        else
        {
            EditSettings(target.Value, nodeId, nodeSecret);
            updated = document.ToString();
        }

        Verify(updated, nodeId, nodeSecret, sourceName);
        return updated;
    }

    /// <summary>
    /// Where the manager keys live: the <c>[manager]</c> table (prefix "") or the document's top-level
    /// key/values with prefix <c>manager.</c>; null when the file has no manager settings.
    /// </summary>
    private static ManagerSettings? FindManagerSettings(DocumentSyntax document, string sourceName)
    {
        var dotted = false;
        foreach (var keyValue in document.KeyValues)
        {
            var rootKey = KeyText(keyValue.Key);
            if (rootKey == TableName)
            {
                throw new CredentialPersistenceException(
                    $"{sourceName}: the manager settings are an inline table (manager = {{ ... }}); move them into a [manager] table so credentials can be stored");
            }

            dotted |= rootKey is not null && rootKey.StartsWith(TableName + ".", StringComparison.Ordinal);
        }

        if (dotted)
        {
            return new ManagerSettings(document.KeyValues, null, TableName + ".");
        }

        foreach (var table in document.Tables)
        {
            if (table is TableSyntax plain && KeyText(plain.Name) == TableName)
            {
                return new ManagerSettings(plain.Items, plain.EndOfLineToken, string.Empty);
            }
        }

        return null;
    }

    private static void EditSettings(ManagerSettings settings, string nodeId, string nodeSecret)
    {
        var list = settings.Items;
        KeyValueSyntax? token = null;
        KeyValueSyntax? id = null;
        KeyValueSyntax? secret = null;
        foreach (var keyValue in list)
        {
            var key = KeyText(keyValue.Key);
            if (key == settings.Prefix + RegistrationTokenKey)
            {
                token = keyValue;
            }
            else if (key == settings.Prefix + NodeIdKey)
            {
                id = keyValue;
            }
            else if (key == settings.Prefix + NodeSecretKey)
            {
                secret = keyValue;
            }
        }

        if (id is null && token is not null)
        {
            // Reuse the token's line: its leading comments and trailing trivia stay where they were.
            RenameKey(token, NodeIdKey);
            id = token;
            token = null;
        }

        if (id is not null)
        {
            SetString(id, nodeId);
        }

        if (secret is not null)
        {
            SetString(secret, nodeSecret);
        }

        var items = new List<KeyValueSyntax>();
        while (list.ChildrenCount > 0)
        {
            items.Add(list.GetChild(0)!);
            list.RemoveChildAt(0);
        }

        // Tomlyn hangs the comment lines *below* a key/value on that key/value's end-of-line token.
        // When a line is inserted or removed, those comments move along so they stay above the
        // line they describe.
        KeyValueSyntax? previous = null;
        foreach (var item in items)
        {
            if (item == token)
            {
                MoveCommentsBelow(item, previous?.EndOfLineToken ?? settings.TableEndOfLine);
                continue;
            }

            list.Add(item);
            previous = item;
            if (item == id && secret is null)
            {
                var inserted = NewKeyValue(settings.Prefix, NodeSecretKey, nodeSecret);
                MoveCommentsBelow(item, inserted.EndOfLineToken);
                list.Add(inserted);
                previous = inserted;
            }
        }

        if (id is null)
        {
            // No node_id and no registration_token line: add both after the last manager key.
            list.Add(NewKeyValue(settings.Prefix, NodeIdKey, nodeId));
            if (secret is null)
            {
                list.Add(NewKeyValue(settings.Prefix, NodeSecretKey, nodeSecret));
            }
        }
    }

    private static KeyValueSyntax NewKeyValue(string prefix, string name, string value) =>
        prefix.Length == 0
            ? new KeyValueSyntax(name, new StringValueSyntax(value))
            : new KeyValueSyntax(new KeySyntax(TableName, name), new StringValueSyntax(value));

    private static void MoveCommentsBelow(KeyValueSyntax from, SyntaxToken? to)
    {
        if (from.EndOfLineToken is not { TrailingTrivia: { Count: > 0 } trivia } || to is null)
        {
            return;
        }

        from.EndOfLineToken.TrailingTrivia = null;
        if (to.TrailingTrivia is null)
        {
            to.TrailingTrivia = trivia;
        }
        else
        {
            to.TrailingTrivia.AddRange(trivia);
        }
    }

    /// <summary>Renames the last part of the key (<c>registration_token</c> or <c>manager.registration_token</c>).</summary>
    private static void RenameKey(KeyValueSyntax keyValue, string newName)
    {
        var key = keyValue.Key!;
        var part = key.DotKeys.ChildrenCount > 0 ? key.DotKeys.GetChild(key.DotKeys.ChildrenCount - 1)!.Key : key.Key;
        if (part is BareKeySyntax { Key: { } bare })
        {
            bare.Text = newName;
        }
        else if (part is StringValueSyntax { Token: { } quoted } quotedKey)
        {
            quoted.Text = Quote(newName);
            quotedKey.Value = newName;
        }
    }

    private static void SetString(KeyValueSyntax keyValue, string value)
    {
        if (keyValue.Value is StringValueSyntax { Token: { } token } existing)
        {
            // Keep the token (and with it any trailing comment); only its text changes.
            token.Text = Quote(value);
            existing.Value = value;
        }
        else
        {
            var trailing = keyValue.Value?.TrailingTrivia;
            var replacement = new StringValueSyntax(value);
            if (trailing is not null)
            {
                replacement.TrailingTrivia = trailing;
            }

            keyValue.Value = replacement;
        }
    }

    /// <summary>A TOML basic string with everything escaped that must be.</summary>
    private static string Quote(string value) => new StringValueSyntax(value).Token!.Text!;

    private static string? KeyText(KeySyntax? key)
    {
        if (key is null)
        {
            return null;
        }

        var builder = new StringBuilder();
        AppendPart(builder, key.Key);
        foreach (var dotted in key.DotKeys)
        {
            builder.Append('.');
            AppendPart(builder, dotted.Key);
        }

        return builder.ToString();
    }

    private static void AppendPart(StringBuilder builder, BareKeyOrStringValueSyntax? part)
    {
        switch (part)
        {
            case BareKeySyntax bare:
                builder.Append(bare.Key?.Text);
                break;
            case StringValueSyntax quoted:
                builder.Append(quoted.Value);
                break;
        }
    }

    private static void Verify(string updated, string nodeId, string nodeSecret, string sourceName)
    {
        var check = SyntaxParser.Parse(updated, sourceName);
        if (check.HasErrors)
        {
            throw new CredentialPersistenceException($"{sourceName}: the edited file would not be valid TOML ({FirstDiagnostic(check)}); left unchanged");
        }

        var settings = FindManagerSettings(check, sourceName);
        string? id = null;
        string? secret = null;
        var tokenLeft = false;
        if (settings is { } found)
        {
            foreach (var keyValue in found.Items)
            {
                var key = KeyText(keyValue.Key);
                if (key == found.Prefix + NodeIdKey)
                {
                    id = (keyValue.Value as StringValueSyntax)?.Value;
                }
                else if (key == found.Prefix + NodeSecretKey)
                {
                    secret = (keyValue.Value as StringValueSyntax)?.Value;
                }
                else if (key == found.Prefix + RegistrationTokenKey)
                {
                    tokenLeft = true;
                }
            }
        }

        if (id != nodeId || secret != nodeSecret || tokenLeft)
        {
            throw new CredentialPersistenceException($"{sourceName}: the edited file does not read back the new credentials; left unchanged");
        }
    }

    private static string FirstDiagnostic(DocumentSyntax document)
    {
        foreach (var diagnostic in document.Diagnostics)
        {
            return diagnostic.ToString();
        }

        return "unknown error";
    }

    /// <param name="Items">The key/values holding the manager settings.</param>
    /// <param name="TableEndOfLine">The <c>[manager]</c> header's end of line (null for top-level dotted keys).</param>
    /// <param name="Prefix">"" in the table, <c>manager.</c> for dotted keys.</param>
    private readonly record struct ManagerSettings(SyntaxList<KeyValueSyntax> Items, SyntaxToken? TableEndOfLine, string Prefix);
}
