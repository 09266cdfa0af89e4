using System.Diagnostics.CodeAnalysis;
using BilbyRelay.Config;

namespace BilbyRelay.Cli;

/// <summary>
/// Parses <c>bilbyrelay [check-config|health] [options]</c>. Options take their value as the next
/// argument or after '=' (<c>--quic-addr=[::]:4433</c>). Secrets are deliberately not options:
/// the command line of a process is visible to every user through ps and /proc.
/// </summary>
public static class CommandLineParser
{
    public const string CheckConfigCommand = "check-config";
    public const string HealthCommand = "health";

    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out CommandLineOptions? options, [NotNullWhen(false)] out string? error)
    {
        var parsed = new CommandLineOptions();
        var help = false;
        var version = false;
        var outputOption = false;
        options = null;
        error = null;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (i == 0 && arg is CheckConfigCommand or HealthCommand)
            {
                parsed.Command = arg == HealthCommand ? CommandKind.Health : CommandKind.CheckConfig;
                continue;
            }

            var name = arg;
            string? inlineValue = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                inlineValue = arg[(equals + 1)..];
            }

            switch (name)
            {
                case "-h" or "--help":
                    help = true;
                    continue;
                case "-V" or "--version":
                    version = true;
                    continue;
            }

            if (ConfigKeys.All.FirstOrDefault(k => k.CommandLineNegation == arg) is { } negated)
            {
                parsed.Settings.Add(new CommandLineSetting(negated.Name, "false", arg));
                continue;
            }

            if (!name.StartsWith('-'))
            {
                error = $"unexpected argument '{arg}'";
                return false;
            }

            var key = name is "-c" or "--config" ? null : ConfigKeys.All.FirstOrDefault(k => k.CommandLineOption == name);
            if (key is null && name is not ("-c" or "--config" or "--output"))
            {
                error = $"unknown option '{name}'";
                return false;
            }

            string value;
            if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                error = $"option '{name}' needs a value";
                return false;
            }

            if (key is not null)
            {
                parsed.Settings.Add(new CommandLineSetting(key.Name, value, name));
            }
            else if (name == "--output")
            {
                outputOption = true;
                switch (value)
                {
                    case "toml":
                        parsed.Output = CheckConfigOutput.Toml;
                        break;
                    case "json":
                        parsed.Output = CheckConfigOutput.Json;
                        break;
                    default:
                        error = $"option '--output' must be toml or json, not '{value}'";
                        return false;
                }
            }
            else
            {
                parsed.ConfigPath = value;
                parsed.ConfigPathOption = name;
            }
        }

        if (outputOption && parsed.Command != CommandKind.CheckConfig && !help && !version)
        {
            error = "option '--output' is only valid with check-config";
            return false;
        }

        parsed.Command = help ? CommandKind.Help : version ? CommandKind.Version : parsed.Command;
        options = parsed;
        return true;
    }
}
