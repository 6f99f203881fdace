using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Terminator.Listener;

namespace Terminator.ProxyProtocol;

/// <summary>
/// The networks allowed to send a PROXY protocol header (<c>TERMINATOR_PROXY_TRUSTED</c>), matched per connection with
/// no allocation: a linear scan of masked 32- or 128-bit values (operators list a handful of balancer subnets; a few
/// hundred entries still cost well under a microsecond).
/// </summary>
/// <remarks>
/// An IPv4 client arriving IPv4-mapped on a dual-stack socket (::ffff:10.1.2.3) is matched as the IPv4 address it is,
/// and a network written IPv4-mapped (::ffff:10.0.0.0/104) as the IPv4 network it names; other IPv6 networks never
/// match an IPv4 client (::/0 trusts IPv6 only).
/// </remarks>
internal sealed class TrustedNetworks : ITrustedForwarders
{
    private readonly (uint Network, uint Mask)[] _ipv4;
    private readonly (UInt128 Network, UInt128 Mask)[] _ipv6;

    public TrustedNetworks(IEnumerable<IPNetwork> networks)
    {
        var ipv4 = new List<(uint, uint)>();
        var ipv6 = new List<(UInt128, UInt128)>();
        Span<byte> bytes = stackalloc byte[16];
        foreach (IPNetwork network in networks)
        {
            if (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
            {
                network.BaseAddress.TryWriteBytes(bytes, out _);
                uint mask = network.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - network.PrefixLength);
                ipv4.Add((BinaryPrimitives.ReadUInt32BigEndian(bytes) & mask, mask));
                continue;
            }

            network.BaseAddress.TryWriteBytes(bytes, out _);
            UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
            if (network.PrefixLength >= 96 && (value >> 32) == 0xFFFF /* ::ffff:0:0/96, RFC 4291 §2.5.5.2 */)
            {
                int prefix = network.PrefixLength - 96;
                uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
                ipv4.Add(((uint)value & mask, mask));
                continue;
            }

            UInt128 mask128 = network.PrefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - network.PrefixLength);
            ipv6.Add((value & mask128, mask128));
        }

        _ipv4 = [.. ipv4];
        _ipv6 = [.. ipv6];
    }

    /// <summary>No network configured (PROXY protocol off).</summary>
    public bool IsEmpty => _ipv4.Length == 0 && _ipv6.Length == 0;

    public bool Contains(IPAddress peer)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (peer.AddressFamily == AddressFamily.InterNetwork)
        {
            peer.TryWriteBytes(bytes, out _);
            return ContainsIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (peer.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        peer.TryWriteBytes(bytes, out _);
        UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        if (peer.IsIPv4MappedToIPv6)
        {
            return ContainsIPv4((uint)value);
        }

        foreach ((UInt128 network, UInt128 mask) in _ipv6)
        {
            if ((value & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    private bool ContainsIPv4(uint value)
    {
        foreach ((uint network, uint mask) in _ipv4)
        {
            if ((value & mask) == network)
            {
                return true;
            }
        }

        return false;
    }
}
