namespace BilbyRelay.Config;

/// <summary>
/// Collects every problem found while loading, in discovery order, so the operator sees all of
/// them at once instead of fixing one typo per restart.
/// </summary>
public sealed class ConfigDiagnostics
{
    private readonly List<ConfigDiagnostic> _items = [];

    public IReadOnlyList<ConfigDiagnostic> Items => _items;

    public bool HasErrors { get; private set; }

    public void Error(ConfigLocation location, string? key, string message)
    {
        _items.Add(new ConfigDiagnostic(ConfigDiagnosticSeverity.Error, location, key, message));
        HasErrors = true;
    }

    public void Warning(ConfigLocation location, string? key, string message) =>
        _items.Add(new ConfigDiagnostic(ConfigDiagnosticSeverity.Warning, location, key, message));
}
