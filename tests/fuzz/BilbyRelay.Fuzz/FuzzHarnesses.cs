using System.Diagnostics.CodeAnalysis;
using BilbyRelay.Fuzz.Harnesses;

namespace BilbyRelay.Fuzz;

/// <summary>
/// Every fuzz target by the name scripts/fuzz uses (also the name of its seed folder under
/// tests/fuzz/corpus/). A harness must throw only when the code under test misbehaves: parsers
/// report bad input through their results, so any exception or hang is a finding.
/// </summary>
internal static class FuzzHarnesses
{
    private static readonly Dictionary<string, Action<byte[]>> ByName = new(StringComparer.Ordinal)
    {
        ["control-frames"] = ControlFrameHarness.Run,
        ["data-stream-header"] = DataStreamHeaderHarness.Run,
        ["http-request"] = HttpRequestHarness.Run,
        ["toml-config"] = ConfigFileHarness.RunToml,
        ["json-config"] = ConfigFileHarness.RunJson,
        ["manager-inbound"] = ManagerInboundHarness.Run,
        ["native-udp-control"] = NativeUdpControlHarness.Run,
        ["websocket-upgrade-answer"] = ManagerWebSocketHarness.RunUpgradeAnswer,
        ["websocket-frames"] = ManagerWebSocketHarness.RunFrames,
    };

    public static IEnumerable<string> Names => ByName.Keys;

    public static bool TryGet(string name, [NotNullWhen(true)] out Action<byte[]>? harness) => ByName.TryGetValue(name, out harness);
}
