using System.Globalization;

namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// The QUIC loop count the whole suite runs with: <c>BILBYRELAY_QUIC_THREADS</c> when set (CI runs the suite with 1
/// and with 2), else the relay's own default. Applied to in-process relays and passed to the published binary.
/// </summary>
internal static class SuiteLoops
{
    public const string Variable = "BILBYRELAY_QUIC_THREADS";

    public static string? Configured => Environment.GetEnvironmentVariable(Variable);

    public static int? Count => Configured is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
