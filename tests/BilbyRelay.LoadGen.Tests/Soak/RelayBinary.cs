namespace BilbyRelay.LoadGen.Tests.Soak;

/// <summary>The published relay: <c>BILBYRELAY_BINARY</c>, else <c>out/bilbyrelay</c> in the repository above the test.</summary>
internal static class RelayBinary
{
    public static string Find()
    {
        var path = Environment.GetEnvironmentVariable("BILBYRELAY_BINARY");
        if (string.IsNullOrEmpty(path))
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "BilbyRelay.sln")))
            {
                root = root.Parent;
            }

            Assert.True(root is not null, $"cannot find the repository above {AppContext.BaseDirectory}; set BILBYRELAY_BINARY");
            path = Path.Combine(root.FullName, "out", "bilbyrelay");
        }

        Assert.True(File.Exists(path), $"the published relay binary {path} does not exist: run scripts/publish first (or set BILBYRELAY_BINARY)");
        return path;
    }
}
