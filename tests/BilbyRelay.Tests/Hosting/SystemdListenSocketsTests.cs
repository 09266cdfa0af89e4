using BilbyRelay.Hosting;

namespace BilbyRelay.Tests.Hosting;

public sealed class SystemdListenSocketsTests
{
    private const int Pid = 4242;

    private static Dictionary<string, string> Env(string? pid, string? fds, string? names = null)
    {
        var environment = new Dictionary<string, string>();
        if (pid is not null)
        {
            environment["LISTEN_PID"] = pid;
        }

        if (fds is not null)
        {
            environment["LISTEN_FDS"] = fds;
        }

        if (names is not null)
        {
            environment["LISTEN_FDNAMES"] = names;
        }

        return environment;
    }

    [Fact]
    public void Parse_ForThisProcess_ListsDescriptorsFromThree()
    {
        var sockets = SystemdListenSockets.Parse(Env("4242", "3"), Pid);

        Assert.Equal([3, 4, 5], sockets.Select(s => s.Descriptor));
        Assert.All(sockets, s => Assert.Null(s.Name));
    }

    [Fact]
    public void Parse_WithNames_NamesEachDescriptor()
    {
        var sockets = SystemdListenSockets.Parse(Env("4242", "2", "quic:stats"), Pid);

        Assert.Equal([new InheritedSocket(3, "quic"), new InheritedSocket(4, "stats")], sockets);
        Assert.Equal("inherited descriptor 4 ('stats')", sockets[1].ToString());
    }

    [Theory]
    [InlineData(null, "2")]
    [InlineData("4242", null)]
    [InlineData("4243", "2")]
    [InlineData("1", "2")]
    [InlineData("4242", "0")]
    public void Parse_UnsetOrForAnotherProcessOrNone_IsEmpty(string? pid, string? fds)
    {
        Assert.Empty(SystemdListenSockets.Parse(Env(pid, fds), Pid));
    }

    [Fact]
    public void Parse_ForAnotherProcess_IgnoresEvenMalformedCount()
    {
        Assert.Empty(SystemdListenSockets.Parse(Env("17", "lots"), Pid));
    }

    [Theory]
    [InlineData("two")]
    [InlineData("-1")]
    [InlineData("")]
    [InlineData(" 2")]
    [InlineData("2147483647")]
    public void Parse_InvalidCount_FailsNamingTheVariable(string fds)
    {
        var error = Assert.Throws<ListenSocketsException>(() => SystemdListenSockets.Parse(Env("4242", fds), Pid));

        Assert.Equal($"LISTEN_FDS='{fds}' is not a number of descriptors", error.Message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("")]
    public void Parse_InvalidPid_FailsNamingTheVariable(string pid)
    {
        var error = Assert.Throws<ListenSocketsException>(() => SystemdListenSockets.Parse(Env(pid, "1"), Pid));

        Assert.Contains($"LISTEN_PID='{pid}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NameCountDiffersFromDescriptorCount_Fails()
    {
        var error = Assert.Throws<ListenSocketsException>(() => SystemdListenSockets.Parse(Env("4242", "2", "quic"), Pid));

        Assert.Equal("LISTEN_FDNAMES='quic' has 1 names for LISTEN_FDS=2 descriptors", error.Message);
    }

    [Fact]
    public void Parse_EmptyName_LeavesTheDescriptorUnnamed()
    {
        var sockets = SystemdListenSockets.Parse(Env("4242", "2", ":stats"), Pid);

        Assert.Equal([new InheritedSocket(3, null), new InheritedSocket(4, "stats")], sockets);
    }

    [Fact]
    public void UnsetEnvironment_RemovesTheVariables()
    {
        Environment.SetEnvironmentVariable("LISTEN_PID", "1");
        Environment.SetEnvironmentVariable("LISTEN_FDS", "1");
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", "x");

        SystemdListenSockets.UnsetEnvironment();

        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_PID"));
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_FDS"));
        Assert.Null(Environment.GetEnvironmentVariable("LISTEN_FDNAMES"));
    }
}
