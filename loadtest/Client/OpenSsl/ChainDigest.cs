using System.Buffers.Binary;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>A SHA-256 of a presented certificate chain's DER, as the key of <see cref="VerifiedChainCache"/>: four
/// words compared as a value, no array per lookup.</summary>
internal readonly struct ChainDigest : IEquatable<ChainDigest>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    /// <param name="sha256">32 bytes.</param>
    public ChainDigest(ReadOnlySpan<byte> sha256)
    {
        _a = BinaryPrimitives.ReadUInt64LittleEndian(sha256);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(sha256[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(sha256[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(sha256[24..]);
    }

    public bool Equals(ChainDigest other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is ChainDigest other && Equals(other);

    // A cryptographic hash's bits are already uniform.
    public override int GetHashCode() => (int)_a;
}
