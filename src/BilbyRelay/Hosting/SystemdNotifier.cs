using System.Net.Sockets;
using System.Text;

namespace BilbyRelay.Hosting;

/// <summary>
/// sd_notify without libsystemd: when a unit has <c>Type=notify</c>, systemd passes a unix datagram
/// socket in <c>NOTIFY_SOCKET</c> and waits for "READY=1". A leading '@' names a socket in the
/// abstract namespace.
/// </summary>
public sealed class SystemdNotifier
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    private readonly string _socketPath;

    public SystemdNotifier(string socketPath)
    {
        _socketPath = socketPath;
    }

    /// <summary>Null unless the environment has <c>NOTIFY_SOCKET</c>.</summary>
    public static SystemdNotifier? FromEnvironment(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue(SocketVariable, out var path) && path.Length > 0 ? new SystemdNotifier(path) : null;

    /// <summary>Sends one state line such as "READY=1". Throws <see cref="SocketException"/> if systemd is gone.</summary>
    public void Notify(string state)
    {
        var path = _socketPath[0] == '@' ? "\0" + _socketPath[1..] : _socketPath;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.SendTo(Encoding.UTF8.GetBytes(state), new UnixDomainSocketEndPoint(path));
    }
}
