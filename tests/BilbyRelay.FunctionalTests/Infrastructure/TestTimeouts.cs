namespace BilbyRelay.FunctionalTests.Infrastructure;

/// <summary>
/// Upper bounds for awaiting things that must happen. They only end a test that would otherwise
/// hang; no test waits for them to pass.
/// </summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    public static CancellationToken Token() => new CancellationTokenSource(Default).Token;
}
