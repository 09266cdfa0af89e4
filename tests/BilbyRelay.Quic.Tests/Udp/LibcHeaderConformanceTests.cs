using System.Globalization;
using System.Runtime.CompilerServices;
using BilbyRelay.Quic.Interop;
using BilbyRelay.Tests.Common;
using Xunit;

namespace BilbyRelay.Quic.Tests.Udp;

/// <summary>
/// Compiles a tiny C program against the installed glibc headers and compares every libc constant, struct size and
/// field offset the UDP layer mirrors. Needs a C compiler (`cc`), as the ngtcp2 layout test does.
/// </summary>
public sealed class LibcHeaderConformanceTests
{
    private const string Headers = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <stddef.h>
        #include <errno.h>
        #include <time.h>
        #include <sys/socket.h>
        #include <netinet/in.h>
        #include <netinet/udp.h>
        #include <sys/epoll.h>
        #include <sys/eventfd.h>
        #include <fcntl.h>
        #include <linux/netlink.h>
        #include <linux/rtnetlink.h>
        """;

    [Fact]
    public void MirroredConstantsAndLayouts_MatchSystemHeaders()
    {
        var expected = Mirrored();
        var actual = CompileAndRun(expected.Keys);

        var mismatches = expected
            .Where(pair => actual[pair.Key] != pair.Value)
            .Select(pair => $"{pair.Key}: header {actual[pair.Key]}, C# {pair.Value}")
            .ToList();
        Assert.Empty(mismatches);
    }

    private static unsafe Dictionary<string, long> Mirrored()
    {
        msghdr message = default;
        mmsghdr vector = default;
        epoll_event ev = default;
        sockaddr_in6 v6 = default;
        cmsghdr control = default;
        var m = (byte*)&message;

        return new Dictionary<string, long>
        {
            ["AF_INET"] = LibcConstants.AF_INET,
            ["AF_INET6"] = LibcConstants.AF_INET6,
            ["SOCK_DGRAM"] = LibcConstants.SOCK_DGRAM,
            ["SOCK_NONBLOCK"] = LibcConstants.SOCK_NONBLOCK,
            ["SOCK_CLOEXEC"] = LibcConstants.SOCK_CLOEXEC,
            ["SOL_SOCKET"] = LibcConstants.SOL_SOCKET,
            ["IPPROTO_IP"] = LibcConstants.IPPROTO_IP,
            ["IPPROTO_UDP"] = LibcConstants.IPPROTO_UDP,
            ["SOL_UDP"] = LibcConstants.SOL_UDP,
            ["IPPROTO_IPV6"] = LibcConstants.IPPROTO_IPV6,
            ["SO_REUSEADDR"] = LibcConstants.SO_REUSEADDR,
            ["SO_TYPE"] = LibcConstants.SO_TYPE,
            ["AF_NETLINK"] = LibcConstants.AF_NETLINK,
            ["SOCK_RAW"] = LibcConstants.SOCK_RAW,
            ["NETLINK_ROUTE"] = LibcConstants.NETLINK_ROUTE,
            ["RTM_NEWADDR"] = LibcConstants.RTM_NEWADDR,
            ["RTM_GETADDR"] = LibcConstants.RTM_GETADDR,
            ["NLM_F_REQUEST"] = LibcConstants.NLM_F_REQUEST,
            ["NLM_F_DUMP"] = LibcConstants.NLM_F_DUMP,
            ["NLMSG_ERROR"] = LibcConstants.NLMSG_ERROR,
            ["NLMSG_DONE"] = LibcConstants.NLMSG_DONE,
            ["IFA_ADDRESS"] = LibcConstants.IFA_ADDRESS,
            ["IFA_LOCAL"] = LibcConstants.IFA_LOCAL,
            ["sizeof(struct nlmsghdr)"] = 16,
            ["sizeof(struct ifaddrmsg)"] = 8,
            ["sizeof(struct rtattr)"] = 4,
            ["SO_SNDBUF"] = LibcConstants.SO_SNDBUF,
            ["F_GETFD"] = LibcConstants.F_GETFD,
            ["F_SETFD"] = LibcConstants.F_SETFD,
            ["F_GETFL"] = LibcConstants.F_GETFL,
            ["F_SETFL"] = LibcConstants.F_SETFL,
            ["FD_CLOEXEC"] = LibcConstants.FD_CLOEXEC,
            ["O_NONBLOCK"] = LibcConstants.O_NONBLOCK,
            ["SO_RCVBUF"] = LibcConstants.SO_RCVBUF,
            ["SO_SNDBUFFORCE"] = LibcConstants.SO_SNDBUFFORCE,
            ["SO_RCVBUFFORCE"] = LibcConstants.SO_RCVBUFFORCE,
            ["IP_MTU_DISCOVER"] = LibcConstants.IP_MTU_DISCOVER,
            ["IP_PMTUDISC_PROBE"] = LibcConstants.IP_PMTUDISC_PROBE,
            ["IPV6_MTU_DISCOVER"] = LibcConstants.IPV6_MTU_DISCOVER,
            ["IPV6_PMTUDISC_PROBE"] = LibcConstants.IPV6_PMTUDISC_PROBE,
            ["IPV6_V6ONLY"] = LibcConstants.IPV6_V6ONLY,
            ["UDP_SEGMENT"] = LibcConstants.UDP_SEGMENT,
            ["UDP_GRO"] = LibcConstants.UDP_GRO,
            ["MSG_CTRUNC"] = LibcConstants.MSG_CTRUNC,
            ["MSG_TRUNC"] = LibcConstants.MSG_TRUNC,
            ["MSG_DONTWAIT"] = LibcConstants.MSG_DONTWAIT,
            ["EPOLL_CLOEXEC"] = LibcConstants.EPOLL_CLOEXEC,
            ["EPOLL_CTL_ADD"] = LibcConstants.EPOLL_CTL_ADD,
            ["EPOLL_CTL_DEL"] = LibcConstants.EPOLL_CTL_DEL,
            ["EPOLL_CTL_MOD"] = LibcConstants.EPOLL_CTL_MOD,
            ["EPOLLIN"] = LibcConstants.EPOLLIN,
            ["EPOLLOUT"] = LibcConstants.EPOLLOUT,
            ["EPOLLERR"] = LibcConstants.EPOLLERR,
            ["EPOLLHUP"] = LibcConstants.EPOLLHUP,
            ["EFD_NONBLOCK"] = LibcConstants.EFD_NONBLOCK,
            ["EFD_CLOEXEC"] = LibcConstants.EFD_CLOEXEC,
            ["EINTR"] = LibcConstants.EINTR,
            ["EIO"] = LibcConstants.EIO,
            ["EBADF"] = LibcConstants.EBADF,
            ["EAGAIN"] = LibcConstants.EAGAIN,
            ["EWOULDBLOCK"] = LibcConstants.EWOULDBLOCK,
            ["EFAULT"] = LibcConstants.EFAULT,
            ["EINVAL"] = LibcConstants.EINVAL,
            ["ENOTSOCK"] = LibcConstants.ENOTSOCK,
            ["EDESTADDRREQ"] = LibcConstants.EDESTADDRREQ,
            ["EMSGSIZE"] = LibcConstants.EMSGSIZE,
            ["ENOPROTOOPT"] = LibcConstants.ENOPROTOOPT,
            ["EOPNOTSUPP"] = LibcConstants.EOPNOTSUPP,
            ["EAFNOSUPPORT"] = LibcConstants.EAFNOSUPPORT,
            ["EADDRINUSE"] = LibcConstants.EADDRINUSE,
            ["ECONNREFUSED"] = LibcConstants.ECONNREFUSED,
            ["sizeof(struct sockaddr_in)"] = Unsafe.SizeOf<sockaddr_in>(),
            ["sizeof(struct sockaddr_in6)"] = Unsafe.SizeOf<sockaddr_in6>(),
            ["sizeof(struct sockaddr_storage)"] = Unsafe.SizeOf<sockaddr_storage>(),
            ["sizeof(struct iovec)"] = Unsafe.SizeOf<iovec>(),
            ["sizeof(struct msghdr)"] = Unsafe.SizeOf<msghdr>(),
            ["sizeof(struct mmsghdr)"] = Unsafe.SizeOf<mmsghdr>(),
            ["sizeof(struct cmsghdr)"] = Unsafe.SizeOf<cmsghdr>(),
            ["sizeof(struct epoll_event)"] = Unsafe.SizeOf<epoll_event>(),
            ["sizeof(struct timespec)"] = Unsafe.SizeOf<timespec>(),
            ["offsetof(struct msghdr, msg_namelen)"] = (byte*)&message.msg_namelen - m,
            ["offsetof(struct msghdr, msg_iov)"] = (byte*)&message.msg_iov - m,
            ["offsetof(struct msghdr, msg_iovlen)"] = (byte*)&message.msg_iovlen - m,
            ["offsetof(struct msghdr, msg_control)"] = (byte*)&message.msg_control - m,
            ["offsetof(struct msghdr, msg_controllen)"] = (byte*)&message.msg_controllen - m,
            ["offsetof(struct msghdr, msg_flags)"] = (byte*)&message.msg_flags - m,
            ["offsetof(struct mmsghdr, msg_len)"] = (byte*)&vector.msg_len - (byte*)&vector,
            ["offsetof(struct epoll_event, data)"] = (byte*)&ev.data - (byte*)&ev,
            ["offsetof(struct sockaddr_in6, sin6_addr)"] = v6.sin6_addr - (byte*)&v6,
            ["offsetof(struct sockaddr_in6, sin6_scope_id)"] = (byte*)&v6.sin6_scope_id - (byte*)&v6,
            ["offsetof(struct cmsghdr, cmsg_type)"] = (byte*)&control.cmsg_type - (byte*)&control,
            ["CMSG_SPACE(sizeof(unsigned short))"] = 24,
            ["CMSG_LEN(sizeof(unsigned short))"] = 18,
        };
    }

    private static Dictionary<string, long> CompileAndRun(IEnumerable<string> expressions)
    {
        using var directory = new TempFilesDirectory();
        var prints = string.Concat(expressions.Select(e => $"    printf(\"%ld\\n\", (long)({e}));\n"));
        var probe = CProgram.Compile($"{Headers}\nint main(void)\n{{\n{prints}    return 0;\n}}\n", directory.Path, "probe");
        var values = CProgram.Run(probe)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => long.Parse(line, CultureInfo.InvariantCulture))
            .ToList();

        var names = expressions.ToList();
        Assert.Equal(names.Count, values.Count);
        return names.Zip(values).ToDictionary(pair => pair.First, pair => pair.Second);
    }
}
