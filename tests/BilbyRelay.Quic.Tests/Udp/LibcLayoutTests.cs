using System.Runtime.CompilerServices;
using BilbyRelay.Quic.Interop;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

/// <summary>The C# mirrors must match the Linux x86_64 ABI byte for byte.</summary>
public sealed class LibcLayoutTests
{
    [Fact]
    public void StructSizes_MatchX64Abi()
    {
        Assert.Equal(16, Unsafe.SizeOf<sockaddr_in>());
        Assert.Equal(28, Unsafe.SizeOf<sockaddr_in6>());
        Assert.Equal(128, Unsafe.SizeOf<sockaddr_storage>());
        Assert.Equal(16, Unsafe.SizeOf<iovec>());
        Assert.Equal(56, Unsafe.SizeOf<msghdr>());
        Assert.Equal(64, Unsafe.SizeOf<mmsghdr>());
        Assert.Equal(16, Unsafe.SizeOf<cmsghdr>());
        Assert.Equal(12, Unsafe.SizeOf<epoll_event>());
        Assert.Equal(16, Unsafe.SizeOf<timespec>());
    }

    [Fact]
    public unsafe void FieldOffsets_MatchX64Abi()
    {
        msghdr message = default;
        var m = (byte*)&message;
        Assert.Equal(8, (byte*)&message.msg_namelen - m);
        Assert.Equal(16, (byte*)&message.msg_iov - m);
        Assert.Equal(24, (byte*)&message.msg_iovlen - m);
        Assert.Equal(32, (byte*)&message.msg_control - m);
        Assert.Equal(40, (byte*)&message.msg_controllen - m);
        Assert.Equal(48, (byte*)&message.msg_flags - m);

        mmsghdr vector = default;
        Assert.Equal(56, (byte*)&vector.msg_len - (byte*)&vector);

        epoll_event ev = default;
        Assert.Equal(4, (byte*)&ev.data - (byte*)&ev);

        sockaddr_in6 v6 = default;
        Assert.Equal(8, v6.sin6_addr - (byte*)&v6);
        Assert.Equal(24, (byte*)&v6.sin6_scope_id - (byte*)&v6);
    }
}
