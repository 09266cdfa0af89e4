using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;
using Xunit;
using Xunit.Abstractions;

namespace BilbyRelay.Quic.Tests.Interop;

public sealed unsafe class LibraryVersionTests(ITestOutputHelper output)
{
    [Fact]
    public void Ngtcp2Version_IsAtLeast1_11()
    {
        var info = Ngtcp2.ngtcp2_version(0);
        var version = Marshal.PtrToStringUTF8((nint)info->version_str);
        output.WriteLine($"ngtcp2 {version}");
        Assert.True(info->version_num >= 0x010b00, $"ngtcp2 {version} is older than 1.11.0");
    }

    [Fact]
    public void GnuTlsVersion_IsAtLeast3_7()
    {
        var minimum = "3.7.0"u8.ToArray().Append((byte)0).ToArray();
        fixed (byte* required = minimum)
        {
            Assert.True(GnuTls.gnutls_check_version(required) != null, "GnuTLS is older than 3.7.0");
        }

        var version = Marshal.PtrToStringUTF8((nint)GnuTls.gnutls_check_version(null));
        output.WriteLine($"GnuTLS {version}");
        Assert.False(string.IsNullOrEmpty(version));
    }
}
