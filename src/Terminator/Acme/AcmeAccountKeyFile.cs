using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Terminator.Configuration;

namespace Terminator.Acme;

/// <summary>
/// The sealed file that keeps an ACME account key at rest, encrypted with AES-256-GCM (NIST SP 800-38D) under the
/// certificate store's key.
/// <code>
/// Format version 1 (integers big-endian):
///   offset  size  field
///   0       8     magic "TRMACMEK"
///   8       2     format version (1)
///   10      2     directory URL length D
///   12      D     the CA's directory URL, UTF-8 (public; stored in clear so an operator can tell files apart)
///   12+D    12    nonce (random per write)
///   24+D    16    GCM tag
///   40+D    4     ciphertext length C
///   44+D    C     ciphertext: the account key as PKCS#8 DER
/// </code>
/// Associated data = bytes [0, 12+D): magic, version and the directory URL. A key sealed for one CA therefore fails
/// to open for another even if the file is copied or renamed (an account key is an identity at one CA, and reusing it
/// elsewhere by mistake would link the two), and an edited, truncated or foreign-key file fails authentication.
/// </summary>
internal static class AcmeAccountKeyFile
{
    public const ushort Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int MaxKeySize = 4096; // PKCS#8 P-256 is ~138 bytes; bounds a corrupt length field
    private static ReadOnlySpan<byte> Magic => "TRMACMEK"u8;

    /// <summary>The file bytes for <paramref name="pkcs8"/>, bound to <paramref name="directoryUri"/>.</summary>
    public static byte[] Seal(Uri directoryUri, ReadOnlySpan<byte> pkcs8, StoreKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] directory = Encoding.UTF8.GetBytes(directoryUri.AbsoluteUri);
        int at = 12 + directory.Length;
        var file = new byte[at + NonceSize + TagSize + 4 + pkcs8.Length];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(10), checked((ushort)directory.Length));
        directory.CopyTo(file.AsSpan(12));
        Span<byte> nonce = file.AsSpan(at, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(at + NonceSize + TagSize), pkcs8.Length);
        using var aes = new AesGcm(key.Bytes, TagSize);
        aes.Encrypt(nonce, pkcs8, file.AsSpan(at + NonceSize + TagSize + 4), file.AsSpan(at + NonceSize, TagSize), associatedData: file.AsSpan(0, at));
        return file;
    }

    /// <summary>
    /// Authenticates and decrypts <paramref name="file"/>. Returns null and the PKCS#8 key in a pinned array the caller
    /// wipes, or a reason (that never includes key material) and no key.
    /// </summary>
    public static string? TryOpen(ReadOnlySpan<byte> file, Uri expectedDirectoryUri, StoreKey key, out byte[]? pkcs8)
    {
        ArgumentNullException.ThrowIfNull(key);
        pkcs8 = null;
        if (file.Length < 12 || !file[..8].SequenceEqual(Magic))
        {
            return file.Length == 0 ? "empty file (torn write?)" : "not an ACME account key file (bad magic)";
        }

        ushort version = BinaryPrimitives.ReadUInt16BigEndian(file[8..]);
        if (version != Version)
        {
            return $"unsupported format version {version} (this build reads version {Version})";
        }

        int at = 12 + BinaryPrimitives.ReadUInt16BigEndian(file[10..]);
        if (file.Length < at + NonceSize + TagSize + 4)
        {
            return "truncated (torn write?)";
        }

        int keyLength = BinaryPrimitives.ReadInt32BigEndian(file[(at + NonceSize + TagSize)..]);
        if (keyLength is <= 0 or > MaxKeySize || file.Length != at + NonceSize + TagSize + 4 + keyLength)
        {
            return "corrupt or truncated key";
        }

        byte[] plaintext = GC.AllocateArray<byte>(keyLength, pinned: true);
        try
        {
            using var aes = new AesGcm(key.Bytes, TagSize);
            aes.Decrypt(file.Slice(at, NonceSize), file.Slice(at + NonceSize + TagSize + 4, keyLength),
                file.Slice(at + NonceSize, TagSize), plaintext, associatedData: file[..at]);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return $"authentication failed: the file was modified, or it is encrypted under a different key than {key.Origin}";
        }

        // Authenticated, so the recorded URL is the one it was sealed for.
        string sealedFor = Encoding.UTF8.GetString(file[12..at]);
        if (sealedFor != expectedDirectoryUri.AbsoluteUri)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return $"the key belongs to the ACME directory {sealedFor}, not {expectedDirectoryUri.AbsoluteUri}";
        }

        pkcs8 = plaintext;
        return null;
    }
}
