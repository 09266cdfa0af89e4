using BilbyRelay.Config;
using BilbyRelay.Core.Diagnostics;
using BilbyRelay.Hosting;

namespace BilbyRelay.Cli;

/// <summary>The program's entry point behind Main: parses the command line and runs the chosen command.</summary>
public static class RelayCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, ProgramContext context)
    {
        if (!CommandLineParser.TryParse(args, out var options, out var usageError))
        {
            await context.Error.WriteAsync($"bilbyrelay: {usageError}\nTry 'bilbyrelay --help' for the list of options.\n").ConfigureAwait(false);
            return ExitCodes.UsageOrConfigError;
        }

        switch (options.Command)
        {
            case CommandKind.Help:
                await context.Out.WriteAsync(HelpText.Build()).ConfigureAwait(false);
                return ExitCodes.Success;
            case CommandKind.Version:
                await context.Out.WriteAsync($"bilbyrelay {VersionInfo.Current}\n").ConfigureAwait(false);
                return ExitCodes.Success;
        }

        var loaded = ConfigLoader.Load(new ConfigLoadRequest
        {
            ConfigPath = options.ConfigPath,
            ConfigPathOption = options.ConfigPathOption,
            Environment = context.Environment,
            CommandLine = options.Settings,
        });

        return options.Command switch
        {
            CommandKind.CheckConfig => await CheckConfigAsync(loaded, options.Output, context).ConfigureAwait(false),
            CommandKind.Health => await HealthProbe.RunAsync(loaded, context).ConfigureAwait(false),
            _ => await RunRelayAsync(loaded, context).ConfigureAwait(false),
        };
    }

    /// <summary>Prints every diagnostic to stderr and, when valid, the effective configuration to stdout.</summary>
    private static async Task<int> CheckConfigAsync(ConfigLoadResult loaded, CheckConfigOutput output, ProgramContext context)
    {
        await WriteDiagnosticsAsync(loaded, context.Error).ConfigureAwait(false);
        if (!loaded.Succeeded)
        {
            await context.Error.WriteAsync("configuration is invalid\n").ConfigureAwait(false);
            return ExitCodes.UsageOrConfigError;
        }

        var text = output == CheckConfigOutput.Json ? EffectiveConfig.ToJson(loaded.Config) : EffectiveConfig.ToToml(loaded.Config);
        await context.Out.WriteAsync(text).ConfigureAwait(false);
        // The blank line sets the verdict apart from the configuration when both streams share a terminal.
        await context.Error.WriteAsync("\nconfiguration is valid\n").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> RunRelayAsync(ConfigLoadResult loaded, ProgramContext context)
    {
        if (!loaded.Succeeded)
        {
            // No logger yet: the log format itself may be what is wrong.
            await WriteDiagnosticsAsync(loaded, context.Error).ConfigureAwait(false);
            await context.Error.WriteAsync("bilbyrelay: configuration is invalid; not starting\n").ConfigureAwait(false);
            return ExitCodes.UsageOrConfigError;
        }

        var config = loaded.Config;
        var sink = LogSinkFactory.Create(config.LogFormat, config.LogLevel, context.Error);
        var log = new Logger(sink, "hosting");
        HostingLog.Starting(log, VersionInfo.Current, Environment.ProcessId);
        var configLog = log.ForCategory("config");
        ConfigLog.Loaded(configLog, loaded.File);
        foreach (var diagnostic in loaded.Diagnostics)
        {
            ConfigLog.Warning(configLog, diagnostic);
        }

        ConfigLog.Effective(configLog, config);

        ShutdownSignals? signals = null;
        using var lifetime = new RelayLifetime(log);
        try
        {
            var shutdown = context.Shutdown ?? (signals = new ShutdownSignals(log)).Token;
            var components = context.Components(config, log, lifetime);
            var host = new RelayHost(components, log, context.ShutdownGracePeriod, SystemdNotifier.FromEnvironment(context.Environment), lifetime: lifetime);
            return await host.RunAsync(shutdown).ConfigureAwait(false);
        }
        catch (ListenSocketsException e)
        {
            HostingLog.ListenSocketsRejected(log, e);
            return ExitCodes.UsageOrConfigError;
        }
        catch (Exception e)
        {
            HostingLog.Crashed(log, e);
            return ExitCodes.RuntimeFailure;
        }
        finally
        {
            signals?.Dispose();
        }
    }

    private static async Task WriteDiagnosticsAsync(ConfigLoadResult loaded, TextWriter writer)
    {
        foreach (var diagnostic in loaded.Diagnostics)
        {
            await writer.WriteAsync(diagnostic + "\n").ConfigureAwait(false);
        }
    }
}
