using System.Security.Cryptography;

namespace Terminator.Configuration;

/// <summary>
/// The 256-bit AES key that encrypts private keys at rest (<c>TERMINATOR_STORE_KEY</c> or
/// <c>TERMINATOR_STORE_KEY_FILE</c>). <see cref="ToString"/> is redacted, so a key never reaches a log through a record
/// or an interpolated string. The bytes live in a pinned array (the GC cannot leave copies behind) that
/// <see cref="Dispose"/> wipes.
/// </summary>
internal sealed class StoreKey : IDisposable
{
    /// <summary>AES-256 (NIST SP 800-38D with a 256-bit AES key): 32 bytes.</summary>
    public const int Length = 32;

    private readonly byte[] _bytes;

    private StoreKey(ReadOnlySpan<byte> bytes)
    {
        _bytes = GC.AllocateArray<byte>(Length, pinned: true);
        bytes.CopyTo(_bytes);
    }

    /// <summary>Where the key came from, for messages: the variable name (never the value).</summary>
    public string Origin { get; private init; } = "TERMINATOR_STORE_KEY";

    internal ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>A key from raw bytes (tests, tools). <paramref name="bytes"/> must be exactly 32 bytes.</summary>
    public static StoreKey FromBytes(ReadOnlySpan<byte> bytes, string origin = "TERMINATOR_STORE_KEY")
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A store key is exactly {Length} bytes.", nameof(bytes));
        }

        return new StoreKey(bytes) { Origin = origin };
    }

    /// <summary>A fresh random key (what <c>openssl rand -base64 32</c> prints, as an object).</summary>
    public static StoreKey Generate()
    {
        Span<byte> bytes = stackalloc byte[Length];
        RandomNumberGenerator.Fill(bytes);
        var key = new StoreKey(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return key;
    }

    /// <summary>
    /// Parses base64 of exactly 32 bytes (surrounding whitespace ignored). Returns null on success, otherwise a short
    /// reason that never repeats the value.
    /// </summary>
    public static string? TryParse(string text, string origin, out StoreKey? key)
    {
        ArgumentNullException.ThrowIfNull(text);
        key = null;
        Span<byte> buffer = stackalloc byte[48]; // room to report a wrong length without a heap copy of the value
        try
        {
            if (!Convert.TryFromBase64String(text.Trim(), buffer, out int written))
            {
                // Too long for the buffer, or not base64 at all: decode only to tell the two apart for the message.
                int? length = TryDecodedLength(text.Trim());
                return length is null
                    ? "not valid base64 (expected base64 of exactly 32 random bytes, e.g. 'openssl rand -base64 32')"
                    : $"decodes to {length} bytes, expected exactly {Length} (e.g. 'openssl rand -base64 32')";
            }

            if (written != Length)
            {
                return $"decodes to {written} bytes, expected exactly {Length} (e.g. 'openssl rand -base64 32')";
            }

            key = new StoreKey(buffer[..Length]) { Origin = origin };
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>A key file readable by group or others lets any local account decrypt every stored private key.</summary>
    public static string? DescribeKeyFilePermissionProblem(string path) => SecretFileMode.DescribeProblem(path, "key file");

    private static int? TryDecodedLength(string text)
    {
        try
        {
            byte[] decoded = Convert.FromBase64String(text);
            CryptographicOperations.ZeroMemory(decoded);
            return decoded.Length;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Wipes the key bytes.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_bytes);

    /// <inheritdoc />
    public override string ToString() => $"StoreKey({Origin}, redacted)";
}
