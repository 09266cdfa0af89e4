using System.Net;
using BilbyRelay.PackageCheck;

// bilbyrelay-package-check tunnel IP:PORT     two edges tunnel 1 MiB each way through the relay; exit 0 when intact
// bilbyrelay-package-check manager IP         a manager on wss://IP:<port>/ws that registers relays (see ManagerStub)
const string Usage = "usage: package-check tunnel IP:PORT | manager LISTEN_IP";
if (args.Length != 2)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
switch (args[0])
{
    case "tunnel":
        await TunnelCheck.RunAsync(IPEndPoint.Parse(args[1]), timeout.Token);
        Console.WriteLine("tunnel: 1 MiB each way intact");
        return 0;
    case "manager":
        // Runs until stdin closes: the calling script owns its lifetime.
        await ManagerStub.RunAsync(IPAddress.Parse(args[1]), Console.In);
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
