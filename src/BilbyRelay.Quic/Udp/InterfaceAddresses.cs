using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using BilbyRelay.Quic.Interop;

namespace BilbyRelay.Quic.Udp;

/// <summary>
/// Lists the addresses of every local interface with one rtnetlink dump (RTM_GETADDR), the way the kernel
/// itself reports them. Needs AF_NETLINK (a systemd unit must allow it in RestrictAddressFamilies).
/// </summary>
/// <remarks>
/// Message layout (Linux uapi): each message is a 16-byte <c>nlmsghdr</c> {u32 len, u16 type, u16 flags, u32 seq,
/// u32 pid}; an RTM_NEWADDR body is an 8-byte <c>ifaddrmsg</c> {u8 family, u8 prefixlen, u8 flags, u8 scope,
/// u32 index} followed by attributes {u16 len, u16 type, value}, each 4-byte aligned. IFA_LOCAL is the local
/// address on point-to-point links, IFA_ADDRESS everywhere else; both are collected.
/// </remarks>
internal static unsafe class InterfaceAddresses
{
    private const int HeaderLength = 16;
    private const int IfAddrLength = 8;
    private const int ReceiveBufferLength = 32 * 1024;

    /// <summary>Every IPv4 and IPv6 interface address, without duplicates.</summary>
    /// <exception cref="UdpSocketException">The netlink socket could not be opened, or the dump failed.</exception>
    public static IReadOnlyList<IPAddress> Read()
    {
        var fd = Libc.socket(LibcConstants.AF_NETLINK, LibcConstants.SOCK_RAW | LibcConstants.SOCK_CLOEXEC, LibcConstants.NETLINK_ROUTE);
        if (fd < 0)
        {
            throw UdpSocketException.FromLastError("socket(AF_NETLINK)");
        }

        var buffer = (byte*)NativeMemory.Alloc(ReceiveBufferLength);
        try
        {
            SendDumpRequest(fd);
            var addresses = new List<IPAddress>();
            while (true)
            {
                var received = Libc.recv(fd, buffer, ReceiveBufferLength, 0);
                if (received < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == LibcConstants.EINTR)
                    {
                        continue;
                    }

                    throw new UdpSocketException("recv(AF_NETLINK)", null, errno);
                }

                if (received == 0 || ParseMessages(new ReadOnlySpan<byte>(buffer, (int)received), addresses))
                {
                    return addresses.Distinct().ToArray();
                }
            }
        }
        finally
        {
            NativeMemory.Free(buffer);
            _ = Libc.close(fd);
        }
    }

    private static void SendDumpRequest(int fd)
    {
        // nlmsghdr + ifaddrmsg with family AF_UNSPEC: every address of every family.
        const int length = HeaderLength + IfAddrLength;
        var request = stackalloc byte[length];
        var span = new Span<byte>(request, length);
        span.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(span, length);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], LibcConstants.RTM_GETADDR);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], LibcConstants.NLM_F_REQUEST | LibcConstants.NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 1);
        while (Libc.send(fd, request, length, 0) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibcConstants.EINTR)
            {
                throw new UdpSocketException("send(AF_NETLINK)", null, errno);
            }
        }
    }

    // Returns true once the dump is complete (NLMSG_DONE).
    internal static bool ParseMessages(ReadOnlySpan<byte> data, List<IPAddress> addresses)
    {
        while (data.Length >= HeaderLength)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
            if (length < HeaderLength || length > data.Length)
            {
                throw new UdpSocketException("netlink address dump: malformed message", null, LibcConstants.EINVAL);
            }

            switch (type)
            {
                case LibcConstants.NLMSG_DONE:
                    return true;
                case LibcConstants.NLMSG_ERROR:
                    var error = length >= HeaderLength + 4 ? -BinaryPrimitives.ReadInt32LittleEndian(data[HeaderLength..]) : LibcConstants.EINVAL;
                    throw new UdpSocketException("netlink address dump", null, error);
                case LibcConstants.RTM_NEWADDR:
                    ParseAddress(data[HeaderLength..length], addresses);
                    break;
            }

            data = data[Math.Min(Align(length), data.Length)..];
        }

        return false;
    }

    private static void ParseAddress(ReadOnlySpan<byte> body, List<IPAddress> addresses)
    {
        if (body.Length < IfAddrLength)
        {
            return;
        }

        var family = body[0];
        var expected = family == LibcConstants.AF_INET ? 4 : family == LibcConstants.AF_INET6 ? 16 : 0;
        var attributes = body[IfAddrLength..];
        while (expected != 0 && attributes.Length >= 4)
        {
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < 4 || length > attributes.Length)
            {
                return;
            }

            if ((type == LibcConstants.IFA_ADDRESS || type == LibcConstants.IFA_LOCAL) && length - 4 == expected)
            {
                addresses.Add(new IPAddress(attributes.Slice(4, expected)));
            }

            attributes = attributes[Math.Min(Align(length), attributes.Length)..];
        }
    }

    private static int Align(int length) => (length + 3) & ~3;
}
