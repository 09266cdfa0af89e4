namespace BilbyRelay.FunctionalTests.Management;

/// <summary>Upper bounds for waits in manager-link tests: generous, so a slow CI machine never fails a correct build.</summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);
}
