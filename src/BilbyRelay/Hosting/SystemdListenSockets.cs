using System.Globalization;

namespace BilbyRelay.Hosting;

/// <summary>One socket a service manager passed: its descriptor number and, when LISTEN_FDNAMES names it, its name.</summary>
internal sealed record InheritedSocket(int Descriptor, string? Name)
{
    public override string ToString() =>
        Name is null ? $"inherited descriptor {Descriptor}" : $"inherited descriptor {Descriptor} ('{Name}')";
}

/// <summary>
/// Reads the sockets systemd passes with socket activation (the sd_listen_fds protocol, without libsystemd):
/// <c>LISTEN_PID</c> is the process they are meant for, <c>LISTEN_FDS</c> how many there are (descriptors 3, 4, ...)
/// and the optional <c>LISTEN_FDNAMES</c> their names, colon-separated.
/// </summary>
internal static class SystemdListenSockets
{
    public const string PidVariable = "LISTEN_PID";
    public const string CountVariable = "LISTEN_FDS";
    public const string NamesVariable = "LISTEN_FDNAMES";

    /// <summary>The first passed descriptor; 0-2 are stdin, stdout and stderr.</summary>
    public const int FirstDescriptor = 3;

    /// <summary>
    /// The sockets passed to process <paramref name="processId"/>. Empty when <c>LISTEN_PID</c> or <c>LISTEN_FDS</c> is
    /// unset or <c>LISTEN_PID</c> names another process (the variables were inherited from a parent they were meant for).
    /// </summary>
    /// <exception cref="ListenSocketsException">A variable is malformed; the message names it and its value.</exception>
    public static IReadOnlyList<InheritedSocket> Parse(IReadOnlyDictionary<string, string> environment, int processId)
    {
        if (!environment.TryGetValue(PidVariable, out var pidText) || !environment.TryGetValue(CountVariable, out var countText))
        {
            return [];
        }

        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
        {
            throw new ListenSocketsException($"{PidVariable}='{pidText}' is not a process id");
        }

        if (pid != processId)
        {
            return [];
        }

        if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > int.MaxValue - FirstDescriptor)
        {
            throw new ListenSocketsException($"{CountVariable}='{countText}' is not a number of descriptors");
        }

        string?[] names = new string?[count];
        if (environment.TryGetValue(NamesVariable, out var namesText) && count > 0)
        {
            var split = namesText.Split(':');
            if (split.Length != count)
            {
                throw new ListenSocketsException($"{NamesVariable}='{namesText}' has {split.Length} names for {CountVariable}={count} descriptors");
            }

            names = split;
        }

        var sockets = new InheritedSocket[count];
        for (var i = 0; i < count; i++)
        {
            sockets[i] = new InheritedSocket(FirstDescriptor + i, string.IsNullOrEmpty(names[i]) ? null : names[i]);
        }

        return sockets;
    }

    /// <summary>
    /// Removes the variables from this process's environment, as sd_listen_fds does, so no program the relay might
    /// start believes the sockets are meant for it.
    /// </summary>
    public static void UnsetEnvironment()
    {
        Environment.SetEnvironmentVariable(PidVariable, null);
        Environment.SetEnvironmentVariable(CountVariable, null);
        Environment.SetEnvironmentVariable(NamesVariable, null);
    }
}

/// <summary>The inherited sockets cannot be used as they are; the relay does not start (exit code 2).</summary>
internal sealed class ListenSocketsException(string message, Exception? inner = null) : Exception(message, inner);
