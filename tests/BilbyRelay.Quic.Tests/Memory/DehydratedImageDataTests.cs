using Xunit;
using BilbyRelay.Quic.Native;

namespace BilbyRelay.Quic.Tests.Memory;

public sealed class DehydratedImageDataTests
{
    [Fact]
    public void Release_InAProcessWithoutNativeAotRuntimeData_ReleasesNothing()
    {
        // The test host runs under the JIT: its executable has no __modules section, so nothing may be discarded.
        Assert.Null(DehydratedImageData.Release());
    }
}
