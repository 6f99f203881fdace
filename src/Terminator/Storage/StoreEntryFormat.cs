using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Terminator.Configuration;

namespace Terminator.Storage;

/// <summary>
/// Serialises one store entry and seals its private key with AES-256-GCM (NIST SP 800-38D).
/// <code>
/// Format version 1 (integers big-endian; strings UTF-8 with a length prefix):
///   offset  size  field
///   0       8     magic "TRMSTORE"
///   8       2     format version (1)
///   10      4     header length H
///   14      H     header: u16+id | u16 name count, then u16+name each | u16+key type |
///                 i64 not-before | i64 not-after | i64 created | i64 updated (Unix ms, UTC) |
///                 32-byte SHA-256 of the chain PEM | u32+chain PEM (public; stored in clear)
///   14+H    12    nonce (random per write)
///   26+H    16    GCM tag
///   42+H    4     ciphertext length C
///   46+H    C     ciphertext: the PKCS#8 DER private key
/// </code>
/// Associated data = bytes [0, 14+H): magic, version and the whole header. The entry's identity (id, names and the
/// chain, with its hash) and every metadata field are therefore covered by the tag, so an entry cannot be renamed,
/// given other names or another chain, or swapped with another entry's file without failing authentication; the
/// store also checks that the file name matches the authenticated id. The nonce is 96 random bits per write, the size
/// SP 800-38D §8.2.2 recommends; with random nonces a key stays below the 2^32-invocation bound of §8.3 for any
/// realistic number of certificate writes.
/// </summary>
internal static class StoreEntryFormat
{
    public const ushort Version = 1;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    private const int PrefixSize = 14;
    private const int MaxHeaderSize = 1 << 20; // a chain of a few KB; 1 MB bounds a corrupt length field
    private const int MaxKeySize = 16 * 1024;   // PKCS#8 RSA-8192 is ~4.8 KB
    private const int MaxStackKeySize = 2048;   // PKCS#8 P-256 ~138 B, RSA-2048 ~1.2 KB; larger keys use a pinned array
    private static ReadOnlySpan<byte> Magic => "TRMSTORE"u8;

    /// <summary>Builds the file bytes; <paramref name="pkcs8"/> is encrypted, everything else authenticated.</summary>
    public static byte[] Seal(StoredCertificateInfo info, ReadOnlySpan<byte> pkcs8, StoreKey key)
    {
        byte[] header = WriteHeader(info);
        var file = new byte[PrefixSize + header.Length + NonceSize + TagSize + 4 + pkcs8.Length];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(8), Version);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(10), header.Length);
        header.CopyTo(file.AsSpan(PrefixSize));
        int at = PrefixSize + header.Length;
        Span<byte> nonce = file.AsSpan(at, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> tag = file.AsSpan(at + NonceSize, TagSize);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(at + NonceSize + TagSize), pkcs8.Length);
        Span<byte> ciphertext = file.AsSpan(at + NonceSize + TagSize + 4);
        using var aes = new AesGcm(key.Bytes, TagSize);
        aes.Encrypt(nonce, pkcs8, ciphertext, tag, associatedData: file.AsSpan(0, at));
        return file;
    }

    /// <summary>
    /// Parses and authenticates <paramref name="file"/>. On success returns null, the metadata, and (when
    /// <paramref name="wantKey"/>) the decrypted PKCS#8 in a pinned array the caller must wipe. On failure returns the
    /// reason; <paramref name="authenticationFailed"/> tells a bad tag (tampering or another key) from bad framing.
    /// </summary>
    /// <param name="readChain">False skips decoding the chain PEM and re-hashing it (<see cref="StoredCertificateInfo.CertificateChainPem"/>
    /// is then empty): the compact start-up index needs only names and dates, and the chain is read again, and checked,
    /// when the entry is materialised.</param>
    public static string? TryOpen(ReadOnlySpan<byte> file, StoreKey key, string location, bool wantKey,
        out StoredCertificateInfo? info, out byte[]? pkcs8, out bool authenticationFailed, bool readChain = true)
    {
        info = null;
        pkcs8 = null;
        authenticationFailed = false;
        if (file.Length < PrefixSize)
        {
            return file.Length == 0 ? "empty file (torn write?)" : "truncated (torn write?)";
        }

        if (!file[..8].SequenceEqual(Magic))
        {
            return "not a store entry (bad magic)";
        }

        ushort version = BinaryPrimitives.ReadUInt16BigEndian(file[8..]);
        if (version != Version)
        {
            return $"unsupported format version {version} (this build reads version {Version})";
        }

        int headerLength = BinaryPrimitives.ReadInt32BigEndian(file[10..]);
        if (headerLength is < 0 or > MaxHeaderSize)
        {
            return "corrupt header length";
        }

        int at = PrefixSize + headerLength;
        if (file.Length < at + NonceSize + TagSize + 4)
        {
            return "truncated (torn write?)";
        }

        int keyLength = BinaryPrimitives.ReadInt32BigEndian(file[(at + NonceSize + TagSize)..]);
        if (keyLength is <= 0 or > MaxKeySize)
        {
            return "corrupt key length";
        }

        long expected = (long)at + NonceSize + TagSize + 4 + keyLength;
        if (file.Length != expected)
        {
            return file.Length < expected ? "truncated (torn write?)" : "trailing bytes after the entry";
        }

        // Authenticate before interpreting the header: nothing from an unauthenticated file is trusted or shown.
        // Only authenticating (start-up index): decrypt onto the stack, wiped below, so loading a million entries
        // allocates no key-sized arrays. The caller who wants the key gets a pinned array (no GC copies) to wipe.
        byte[]? keyArray = wantKey || keyLength > MaxStackKeySize ? GC.AllocateArray<byte>(keyLength, pinned: true) : null;
        Span<byte> plaintext = keyArray is null ? stackalloc byte[MaxStackKeySize] : keyArray;
        plaintext = plaintext[..keyLength];
        try
        {
            using var aes = new AesGcm(key.Bytes, TagSize);
            aes.Decrypt(file.Slice(at, NonceSize), file.Slice(at + NonceSize + TagSize + 4, keyLength),
                file.Slice(at + NonceSize, TagSize), plaintext, associatedData: file[..at]);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            authenticationFailed = true;
            return $"authentication failed: the entry was modified, or it is encrypted under a different key than {key.Origin}";
        }

        string? problem = TryReadHeader(file.Slice(PrefixSize, headerLength), location, readChain, out info);
        if (problem is not null || !wantKey)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return problem;
        }

        pkcs8 = keyArray;
        return null;
    }

    private static byte[] WriteHeader(StoredCertificateInfo info)
    {
        using var stream = new MemoryStream();
        WriteString(stream, info.Id);
        WriteUInt16(stream, checked((ushort)info.Names.Count));
        foreach (string name in info.Names)
        {
            WriteString(stream, name);
        }

        WriteString(stream, info.KeyType);
        Span<byte> buffer = stackalloc byte[8];
        foreach (DateTimeOffset time in (ReadOnlySpan<DateTimeOffset>)[info.NotBefore, info.NotAfter, info.Created, info.Updated])
        {
            BinaryPrimitives.WriteInt64BigEndian(buffer, time.ToUnixTimeMilliseconds());
            stream.Write(buffer);
        }

        byte[] chain = Encoding.UTF8.GetBytes(info.CertificateChainPem);
        stream.Write(SHA256.HashData(chain));
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, chain.Length);
        stream.Write(length);
        stream.Write(chain);
        return stream.ToArray();
    }

    private static string? TryReadHeader(ReadOnlySpan<byte> header, string location, bool readChain, out StoredCertificateInfo? info)
    {
        info = null;
        var reader = new HeaderReader(header);
        if (!reader.TryString(out string id) || !reader.TryUInt16(out ushort count))
        {
            return "corrupt header";
        }

        var names = new string[count];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryString(out names[i]))
            {
                return "corrupt header";
            }
        }

        Span<long> times = stackalloc long[4];
        if (!reader.TryString(out string keyType) || !reader.TryInt64(out times[0]) || !reader.TryInt64(out times[1])
            || !reader.TryInt64(out times[2]) || !reader.TryInt64(out times[3])
            || !reader.TryBytes(32, out ReadOnlySpan<byte> chainHash) || !reader.TryInt32(out int chainLength)
            || !reader.TryBytes(chainLength, out ReadOnlySpan<byte> chain) || !reader.AtEnd)
        {
            return "corrupt header";
        }

        // Authenticated already; this catches a writer bug rather than an attacker.
        if (readChain && !SHA256.HashData(chain).AsSpan().SequenceEqual(chainHash))
        {
            return "chain does not match its recorded SHA-256";
        }

        try
        {
            info = new StoredCertificateInfo(id, names, keyType,
                DateTimeOffset.FromUnixTimeMilliseconds(times[0]), DateTimeOffset.FromUnixTimeMilliseconds(times[1]),
                DateTimeOffset.FromUnixTimeMilliseconds(times[2]), DateTimeOffset.FromUnixTimeMilliseconds(times[3]),
                readChain ? Encoding.UTF8.GetString(chain) : string.Empty, location);
        }
        catch (ArgumentOutOfRangeException)
        {
            return "corrupt header (time out of range)";
        }

        return null;
    }

    private static void WriteString(MemoryStream stream, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteUInt16(stream, checked((ushort)bytes.Length));
        stream.Write(bytes);
    }

    private static void WriteUInt16(MemoryStream stream, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        stream.Write(buffer);
    }

    /// <summary>Bounds-checked reads over the header; every Try fails instead of reading past the end.</summary>
    private ref struct HeaderReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool AtEnd => _rest.IsEmpty;

        public bool TryBytes(int count, out ReadOnlySpan<byte> bytes)
        {
            bytes = default;
            if (count < 0 || count > _rest.Length)
            {
                return false;
            }

            bytes = _rest[..count];
            _rest = _rest[count..];
            return true;
        }

        public bool TryUInt16(out ushort value)
        {
            value = 0;
            if (!TryBytes(2, out ReadOnlySpan<byte> b)) { return false; }
            value = BinaryPrimitives.ReadUInt16BigEndian(b);
            return true;
        }

        public bool TryInt32(out int value)
        {
            value = 0;
            if (!TryBytes(4, out ReadOnlySpan<byte> b)) { return false; }
            value = BinaryPrimitives.ReadInt32BigEndian(b);
            return true;
        }

        public bool TryInt64(out long value)
        {
            value = 0;
            if (!TryBytes(8, out ReadOnlySpan<byte> b)) { return false; }
            value = BinaryPrimitives.ReadInt64BigEndian(b);
            return true;
        }

        public bool TryString(out string value)
        {
            value = string.Empty;
            if (!TryUInt16(out ushort length) || !TryBytes(length, out ReadOnlySpan<byte> b)) { return false; }
            value = Encoding.UTF8.GetString(b);
            return true;
        }
    }
}
