using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Terminator.Listener;

/// <summary>
/// Caps open connections in total and per client (the slow-loris / single-abuser defence every edge proxy needs;
/// nginx limit_conn, HAProxy maxconn + stick tables). Acquire on accept, release when the connection ends.
/// </summary>
/// <remarks>
/// A client is an IPv4 address (also when it arrives IPv4-mapped on a dual-stack socket), or an IPv6 network of the
/// configured prefix length: one subscriber is routinely given a whole /64 (RFC 6177, RFC 7421) and can draw a new
/// source address from it for every connection, so keying by the full IPv6 address would let it past the limit.
/// Keys are the 128-bit address in network order, masked, so an accept allocates no key object.
/// </remarks>
internal sealed class ConnectionLimiter
{
    /// <summary>The IPv6 prefix length a subscriber is assumed to control when none is configured.</summary>
    public const int DefaultIPv6PrefixLength = 64;

    private readonly int _maxTotal;
    private readonly int _maxPerAddress;
    private readonly UInt128 _ipv6Mask;
    private readonly ConcurrentDictionary<UInt128, int> _perAddress = new();
    private int _total;

    /// <param name="maxTotal">Open connections allowed in all.</param>
    /// <param name="maxPerAddress">Open connections allowed per client (IPv4 address or IPv6 prefix).</param>
    /// <param name="ipv6PrefixLength">Leading bits of an IPv6 address that identify one client (1..128).</param>
    public ConnectionLimiter(int maxTotal, int maxPerAddress, int ipv6PrefixLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTotal, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerAddress, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ipv6PrefixLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ipv6PrefixLength, 128);
        _maxTotal = maxTotal;
        _maxPerAddress = maxPerAddress;
        _ipv6Mask = UInt128.MaxValue << (128 - ipv6PrefixLength);
    }

    public int Total => Volatile.Read(ref _total);

    /// <summary>Clients with at least one open connection; 0 once every connection has been released.</summary>
    internal int TrackedAddresses => _perAddress.Count;

    /// <summary>Counts a connection against the total and against its client; false (nothing counted) when either is full.</summary>
    public bool TryAcquire(IPAddress address) => Admit(address) == ConnectionAdmission.Admitted;

    /// <summary>Takes a place for a connection from <paramref name="address"/> in the total and in its client's budget,
    /// or says which limit refused it (the total one is checked first; nothing is counted on refusal).</summary>
    public ConnectionAdmission Admit(IPAddress address)
    {
        if (!TryAcquireTotal())
        {
            return ConnectionAdmission.OverTotalLimit;
        }

        if (!TryAcquireAddress(address))
        {
            ReleaseTotal();
            return ConnectionAdmission.OverAddressLimit;
        }

        return ConnectionAdmission.Admitted;
    }

    public void Release(IPAddress address)
    {
        ReleaseAddress(address);
        ReleaseTotal();
    }

    /// <summary>
    /// Counts a connection against the total only: for a connection relayed by a trusted balancer, whose client is
    /// charged with <see cref="TryAcquireAddress"/> once the PROXY protocol header names it.
    /// </summary>
    public bool TryAcquireTotal()
    {
        if (Interlocked.Increment(ref _total) > _maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        return true;
    }

    public void ReleaseTotal() => Interlocked.Decrement(ref _total);

    /// <summary>Counts a connection against its client's budget alone (the total is counted separately).</summary>
    public bool TryAcquireAddress(IPAddress address)
    {
        UInt128 key = KeyOf(address);
        while (true)
        {
            if (_perAddress.TryGetValue(key, out int current))
            {
                if (current >= _maxPerAddress)
                {
                    return false;
                }

                if (_perAddress.TryUpdate(key, current + 1, current))
                {
                    return true;
                }
            }
            else if (_perAddress.TryAdd(key, 1))
            {
                return true;
            }
        }
    }

    public void ReleaseAddress(IPAddress address)
    {
        UInt128 key = KeyOf(address);
        while (_perAddress.TryGetValue(key, out int current))
        {
            bool done = current <= 1
                ? _perAddress.TryRemove(new KeyValuePair<UInt128, int>(key, current))
                : _perAddress.TryUpdate(key, current - 1, current);
            if (done)
            {
                return;
            }
        }
    }

    /// <summary>
    /// IPv4 as its IPv4-mapped IPv6 form ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), so both arrival forms share one budget and
    /// no IPv6 prefix can collide with them; other IPv6 addresses masked to the prefix.
    /// </summary>
    private UInt128 KeyOf(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            bytes[..10].Clear();
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
            address.TryWriteBytes(bytes[12..], out _);
            return BinaryPrimitives.ReadUInt128BigEndian(bytes);
        }

        address.TryWriteBytes(bytes, out _);
        UInt128 key = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return address.IsIPv4MappedToIPv6 ? key : key & _ipv6Mask;
    }
}
