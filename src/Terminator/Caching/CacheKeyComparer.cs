using System.Diagnostics.CodeAnalysis;

namespace Terminator.Caching;

/// <summary>
/// Byte-exact key equality, with a span-keyed alternate lookup so a hit finds its entry from a key built in a rented
/// buffer without allocating the key. The hash is <see cref="HashCode"/>'s, seeded per process, so a client cannot
/// choose URLs that collide.
/// </summary>
internal sealed class CacheKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static CacheKeyComparer Instance { get; } = new();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode([DisallowNull] byte[] obj) => Hash(obj);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

    private static int Hash(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode();
    }
}
