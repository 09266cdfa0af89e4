using BilbyRelay.Config;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>
/// A whole config load (reader, key assignment, validation) of the input as relay.toml or
/// relay.json. The loader reads a file, so the input is written to one per process.
/// </summary>
internal static class ConfigFileHarness
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("bilbyrelay-fuzz-config-").FullName;

    public static void RunToml(byte[] input) => Run(input, Path.Combine(Folder, "relay.toml"));

    public static void RunJson(byte[] input) => Run(input, Path.Combine(Folder, "relay.json"));

    private static void Run(byte[] input, string path)
    {
        File.WriteAllBytes(path, input);
        var result = ConfigLoader.Load(new ConfigLoadRequest { ConfigPath = path });
        foreach (var diagnostic in result.Diagnostics)
        {
            if (string.IsNullOrEmpty(diagnostic.Message))
            {
                throw new InvalidOperationException("config: a diagnostic without a message");
            }

            // What check-config prints for each problem.
            _ = diagnostic.ToString();
        }
    }
}
