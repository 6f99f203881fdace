using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Terminator.ProxyProtocol;

/// <summary>
/// A parsed PROXY protocol header: how long it is and, when it names one, the client's connection. Addresses are kept
/// as 128-bit values in network order (an IPv4 address in the low 32 bits), so parsing allocates nothing; only the step
/// that adopts the address builds an <see cref="IPEndPoint"/>.
/// </summary>
/// <param name="Version">The version the header was sent in.</param>
/// <param name="Length">Bytes the header occupies at the start of the stream; the proxied protocol starts after them.</param>
/// <param name="Family"><see cref="AddressFamily.InterNetwork"/> or <see cref="AddressFamily.InterNetworkV6"/> when
/// the header carries the client's TCP addresses; <see cref="AddressFamily.Unspecified"/> when the connection's own
/// addresses stand (v2 LOCAL, v2 UNSPEC, UNIX or UDP, v1 UNKNOWN).</param>
/// <param name="IsLocal">v2 LOCAL: the balancer's own connection (a health check), not a relayed client.</param>
internal readonly record struct ProxyHeader(
    ProxyProtocolVersions Version,
    int Length,
    AddressFamily Family,
    bool IsLocal,
    UInt128 SourceAddress,
    UInt128 DestinationAddress,
    ushort SourcePort,
    ushort DestinationPort)
{
    /// <summary>True when the header names the client (<see cref="Family"/> is IPv4 or IPv6).</summary>
    public bool HasAddresses => Family != AddressFamily.Unspecified;

    /// <summary>The client as the balancer saw it. Only when <see cref="HasAddresses"/>; allocates.</summary>
    public IPEndPoint ToSourceEndPoint() => new(ToAddress(SourceAddress), SourcePort);

    /// <summary>The address the client connected to (the balancer's listener). Only when <see cref="HasAddresses"/>; allocates.</summary>
    public IPEndPoint ToDestinationEndPoint() => new(ToAddress(DestinationAddress), DestinationPort);

    private IPAddress ToAddress(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return Family == AddressFamily.InterNetwork ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }
}
