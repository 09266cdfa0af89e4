using System.Text;
using BilbyRelay.Config;

namespace BilbyRelay.Cli;

/// <summary>The --help text, generated from <see cref="ConfigKeys"/> so it always matches the options.</summary>
public static class HelpText
{
    public static string Build()
    {
        var text = new StringBuilder();
        text.Append("Usage: bilbyrelay [options]                 run the relay until SIGTERM/SIGINT\n");
        text.Append("       bilbyrelay check-config [options]    validate and print the effective configuration\n");
        text.Append("       bilbyrelay health [options]          GET /health of the relay these options configure; exit 0 if 200\n");
        text.Append('\n');
        text.Append("Options:\n");
        Option(text, "-c, --config FILE", "TOML or relay.json config file (env BILBYRELAY_CONFIG)", "(none: defaults)");
        foreach (var key in ConfigKeys.All)
        {
            if (key.CommandLineNegation is { } negation)
            {
                Option(text, negation, $"set {key.Name} = false (env {key.EnvironmentVariable})", null);
            }

            if (key.CommandLineOption is { } option)
            {
                var placeholder = key.Name switch
                {
                    "log_level" => " LEVEL",
                    "log_format" => " text|json",
                    _ => key.TypeName switch
                    {
                        "list" => " ADDR,ADDR",
                        "integer" => " N",
                        _ => " ADDR",
                    },
                };
                Option(text, option + placeholder, $"{key.Description} (env {key.EnvironmentVariable})", key.DefaultText);
            }
        }

        Option(text, "--output toml|json", "check-config: format of the printed configuration", "toml");
        Option(text, "-h, --help", "show this help and exit", null);
        Option(text, "-V, --version", "print the version and exit", null);
        text.Append('\n');
        text.Append("Every config key can also be set with an environment variable BILBYRELAY_<KEY>\n");
        text.Append("(e.g. BILBYRELAY_API_TOKEN, BILBYRELAY_MANAGER_NODE_SECRET). Precedence, lowest first:\n");
        text.Append("defaults < config file < environment < command line. Secrets are never taken from the\n");
        text.Append("command line (it is visible in ps); use the file or the environment.\n");
        text.Append('\n');
        text.Append("Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.\n");
        return text.ToString();
    }

    private static void Option(StringBuilder text, string option, string description, string? defaultText)
    {
        text.Append("  ").Append(option.PadRight(26)).Append(' ').Append(description);
        if (defaultText is not null)
        {
            text.Append(" [default: ").Append(defaultText).Append(']');
        }

        text.Append('\n');
    }
}
