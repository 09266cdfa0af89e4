using System.Runtime.InteropServices;

namespace BilbyRelay.Quic.Interop;

// C names are kept so each mirror can be checked against its header; some are all lower-case.
#pragma warning disable CS8981

// Linux x86_64 layouts. Sizes are asserted by a test; see the comment on each struct.

/// <summary>IPv4 socket address, 16 bytes. Port and address are in network byte order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct sockaddr_in
{
    internal ushort sin_family;
    internal ushort sin_port;
    internal uint sin_addr;
    internal fixed byte sin_zero[8];
}

/// <summary>IPv6 socket address, 28 bytes. Port, flow info and address are in network byte order; scope id is host order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct sockaddr_in6
{
    internal ushort sin6_family;
    internal ushort sin6_port;
    internal uint sin6_flowinfo;
    internal fixed byte sin6_addr[16];
    internal uint sin6_scope_id;
}

/// <summary>Storage large enough for any socket address, 128 bytes, 8-byte aligned.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct sockaddr_storage
{
    [FieldOffset(0)]
    internal ushort ss_family;

    [FieldOffset(120)]
    internal ulong ss_align;
}

/// <summary>Scatter/gather element, 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct iovec
{
    internal void* iov_base;
    internal nuint iov_len;
}

/// <summary>Message header for sendmsg/recvmsg, 56 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct msghdr
{
    internal void* msg_name;
    internal uint msg_namelen;
    internal iovec* msg_iov;
    internal nuint msg_iovlen;
    internal void* msg_control;
    internal nuint msg_controllen;
    internal int msg_flags;
}

/// <summary>One entry of a recvmmsg/sendmmsg vector, 64 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct mmsghdr
{
    internal msghdr msg_hdr;
    internal uint msg_len;
}

/// <summary>Ancillary data header, 16 bytes; the data follows at offset 16 (CMSG_DATA).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct cmsghdr
{
    internal nuint cmsg_len;
    internal int cmsg_level;
    internal int cmsg_type;
}
