namespace BilbyRelay.Core.Tests.Fakes;

/// <summary>
/// Upper bounds that turn a hang into a failure. They are never used to wait for something to
/// happen: tests await the event itself, and these only cap how long that may take.
/// </summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Operation = TimeSpan.FromSeconds(20);
}
