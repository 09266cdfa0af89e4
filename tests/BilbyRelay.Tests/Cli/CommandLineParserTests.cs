using BilbyRelay.Cli;
using BilbyRelay.Config;
using Xunit;

namespace BilbyRelay.Tests.Cli;

public sealed class CommandLineParserTests
{
    [Fact]
    public void NoArguments_RunsWithDefaults()
    {
        Assert.True(CommandLineParser.TryParse([], out var options, out _));
        Assert.Equal(CommandKind.Run, options.Command);
        Assert.Null(options.ConfigPath);
        Assert.Empty(options.Settings);
    }

    [Fact]
    public void EveryOption_IsParsed()
    {
        string[] args =
        [
            "-c", "relay.toml",
            "--quic-addr", "0.0.0.0:1",
            "--quic-addrs=0.0.0.0:2,[::]:2",
            "--api-addr", "0.0.0.0:3",
            "--api-addrs", "0.0.0.0:4",
            "--public-quic-addr", "relay.example.com:5",
            "--log-level", "debug",
            "--log-format=json",
        ];

        Assert.True(CommandLineParser.TryParse(args, out var options, out var error), error);

        Assert.Equal("relay.toml", options.ConfigPath);
        Assert.Equal("-c", options.ConfigPathOption);
        Assert.Equal(
            [
                new CommandLineSetting("quic_addr", "0.0.0.0:1", "--quic-addr"),
                new CommandLineSetting("quic_addrs", "0.0.0.0:2,[::]:2", "--quic-addrs"),
                new CommandLineSetting("api_addr", "0.0.0.0:3", "--api-addr"),
                new CommandLineSetting("api_addrs", "0.0.0.0:4", "--api-addrs"),
                new CommandLineSetting("public_quic_addr", "relay.example.com:5", "--public-quic-addr"),
                new CommandLineSetting("log_level", "debug", "--log-level"),
                new CommandLineSetting("log_format", "json", "--log-format"),
            ],
            options.Settings);
    }

    [Fact]
    public void CheckConfig_IsRecognisedOnlyFirst()
    {
        Assert.True(CommandLineParser.TryParse(["check-config", "--config", "x.toml", "--output", "json"], out var options, out _));
        Assert.Equal(CommandKind.CheckConfig, options.Command);
        Assert.Equal(CheckConfigOutput.Json, options.Output);

        Assert.False(CommandLineParser.TryParse(["--config", "x.toml", "check-config"], out _, out var error));
        Assert.Equal("unexpected argument 'check-config'", error);
    }

    [Theory]
    [InlineData(new[] { "--help" }, CommandKind.Help)]
    [InlineData(new[] { "-h" }, CommandKind.Help)]
    [InlineData(new[] { "--version" }, CommandKind.Version)]
    [InlineData(new[] { "check-config", "--help" }, CommandKind.Help)]
    public void HelpAndVersion_AreCommands(string[] args, CommandKind expected)
    {
        Assert.True(CommandLineParser.TryParse(args, out var options, out _));
        Assert.Equal(expected, options.Command);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--bogus=1" }, "unknown option '--bogus'")]
    [InlineData(new[] { "--api-token", "x" }, "unknown option '--api-token'")]
    [InlineData(new[] { "--quic-addr" }, "option '--quic-addr' needs a value")]
    [InlineData(new[] { "stray" }, "unexpected argument 'stray'")]
    [InlineData(new[] { "--output", "json" }, "option '--output' is only valid with check-config")]
    [InlineData(new[] { "check-config", "--output", "yaml" }, "option '--output' must be toml or json, not 'yaml'")]
    public void BadArguments_AreRejectedWithMessage(string[] args, string expected)
    {
        Assert.False(CommandLineParser.TryParse(args, out _, out var error));
        Assert.Equal(expected, error);
    }
}
