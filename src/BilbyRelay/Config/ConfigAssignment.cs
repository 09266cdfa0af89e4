namespace BilbyRelay.Config;

/// <summary>One "key = value" found in a source, with the dotted key and the value's location.</summary>
public readonly record struct ConfigAssignment(string Key, ConfigValue Value);
