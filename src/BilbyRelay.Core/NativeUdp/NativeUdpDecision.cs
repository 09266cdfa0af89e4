namespace BilbyRelay.Core.NativeUdp;

/// <summary>What the socket loop does with a datagram after <see cref="NativeUdpRelay.Process"/>.</summary>
public enum NativeUdpAction : byte
{
    /// <summary>Nothing: the datagram was dropped (and counted) or refused.</summary>
    None,

    /// <summary>Send the reply written into the caller's buffer back to the source, from the receiving socket.</summary>
    Reply,

    /// <summary>Send the datagram unchanged to <see cref="NativeUdpDecision.Target"/> from socket <see cref="NativeUdpDecision.SocketIndex"/>.</summary>
    Forward,
}

/// <param name="SocketIndex">For <see cref="NativeUdpAction.Forward"/>: the target slot's dialled socket, or -1 when unknown
/// (then the first socket of the target's family).</param>
/// <param name="ReplyLength">For <see cref="NativeUdpAction.Reply"/>: bytes of the reply buffer to send.</param>
public readonly record struct NativeUdpDecision(NativeUdpAction Action, UdpPeerAddress Target, int SocketIndex, int ReplyLength)
{
    public static NativeUdpDecision None => default;
}
