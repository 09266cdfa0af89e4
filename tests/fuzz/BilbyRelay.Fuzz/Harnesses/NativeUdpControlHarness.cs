using BilbyRelay.Core.NativeUdp;
using BilbyRelay.Core.Tunnels;

namespace BilbyRelay.Fuzz.Harnesses;

/// <summary>The JSON body of a native-UDP control datagram (a <c>register</c>, after the 16-byte prefix).</summary>
internal static class NativeUdpControlHarness
{
    public static void Run(byte[] input)
    {
        var token = new byte[input.Length];
        if (!NativeUdpRegister.TryParse(input, token, out var register))
        {
            return;
        }

        if (register.Direction is not (TunnelDirection.Ingress or TunnelDirection.Egress))
        {
            throw new InvalidOperationException("register accepted a direction that is neither ingress nor egress");
        }

        if (!register.HasBindToken && !register.BindToken.IsEmpty)
        {
            throw new InvalidOperationException("register reported token bytes without a token");
        }
    }
}
