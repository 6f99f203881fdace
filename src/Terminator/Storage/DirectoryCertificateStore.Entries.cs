using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>Reading one entry file, and turning certificates into what is written.</summary>
internal sealed partial class DirectoryCertificateStore
{
    /// <summary>Reads and authenticates one file; checks its name against the authenticated id.</summary>
    private bool TryRead(string path, bool wantKey,
        [NotNullWhen(true)] out StoredCertificateInfo? info, out byte[]? pkcs8, [NotNullWhen(false)] out CertificateStoreProblem? problem) =>
        TryRead(path, wantKey, out info, out pkcs8, out problem, out _);

    /// <param name="authentic">True when the tag verified, even if the entry is then rejected (a renamed file).</param>
    private bool TryRead(string path, bool wantKey, [NotNullWhen(true)] out StoredCertificateInfo? info, out byte[]? pkcs8,
        [NotNullWhen(false)] out CertificateStoreProblem? problem, out bool authentic, bool readChain = true)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            authentic = false;
            pkcs8 = null;
            info = null;
            problem = new CertificateStoreProblem(path, "unreadable: " + ex.Message, AuthenticationFailed: false);
            return false;
        }

        return TryRead(path, file, wantKey, out info, out pkcs8, out problem, out authentic, readChain);
    }

    /// <summary>Authenticates already-read file bytes (see the overload above).</summary>
    private bool TryRead(string path, byte[] file, bool wantKey, [NotNullWhen(true)] out StoredCertificateInfo? info, out byte[]? pkcs8,
        [NotNullWhen(false)] out CertificateStoreProblem? problem, out bool authentic, bool readChain)
    {
        authentic = false;
        string? reason = StoreEntryFormat.TryOpen(file, _key, path, wantKey, out info, out pkcs8, out bool authenticationFailed, readChain);
        if (reason is not null)
        {
            problem = new CertificateStoreProblem(path, reason, authenticationFailed);
            return false;
        }

        authentic = true;

        // The id is authenticated, the file name is not: a renamed or swapped file is caught here.
        if (Path.GetFileName(path) != info!.Id + FileExtension)
        {
            if (pkcs8 is not null)
            {
                CryptographicOperations.ZeroMemory(pkcs8);
                pkcs8 = null;
            }

            problem = new CertificateStoreProblem(path, $"file name does not match the entry id '{info.Id}' (renamed or swapped)", AuthenticationFailed: false);
            info = null;
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>
    /// Authenticates the index entry for the file bytes read from <paramref name="path"/> without touching X.509 or the
    /// private key: AES-GCM still runs over the whole file (the key decrypts onto the stack and is wiped), so a
    /// tampered, torn or foreign-key entry is reported when it is indexed and never served, for microseconds per entry.
    /// </summary>
    private bool TryIndexEntry(string path, byte[] file, [NotNullWhen(true)] out CertificateEntry? entry,
        [NotNullWhen(false)] out CertificateStoreProblem? problem)
    {
        entry = null;
        if (!TryRead(path, file, wantKey: false, out StoredCertificateInfo? info, out _, out problem, out _, readChain: false))
        {
            return false;
        }

        if (info.Names.Count == 0)
        {
            problem = new CertificateStoreProblem(path, "entry has no names", AuthenticationFailed: false);
            return false;
        }

        entry = CompactEntry(path, info.Names, info.NotBefore, info.NotAfter, StoreKeyTypes.Intern(info.KeyType));
        return true;
    }

    /// <summary>The compact entry for <paramref name="path"/> as the store index describes it, without reading the file.
    /// Nothing here is trusted for serving: <see cref="OpenMaterial"/> authenticates the file on the first handshake and
    /// refuses it unless its authenticated names are these.</summary>
    internal CertificateEntry EntryFromIndex(string path, StoreIndexRecord record) => CompactEntry(
        path,
        record.Names,
        DateTimeOffset.FromUnixTimeMilliseconds(record.NotBeforeUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(record.NotAfterUnixMs),
        record.KeyType); // already the shared instance: StoreIndexFile decodes known key types to StoreKeyTypes' strings

    /// <summary>
    /// A compact entry for the file at <paramref name="path"/> that holds no path string when its path can be written back
    /// from the entry (<see cref="StoreEntryMaterialSource.WriteSource"/>: the directory, and the id this store gives
    /// those names and that key family, with the file's 8-hex tag): every entry this store writes. Any other file name (an
    /// id written by another tool, a path spelt differently) keeps its path as given. Either way
    /// <see cref="CertificateEntry.Source"/> is exactly <paramref name="path"/>.
    /// </summary>
    private CertificateEntry CompactEntry(string path, IReadOnlyList<string> names, DateTimeOffset notBefore, DateTimeOffset notAfter, string keyType)
    {
        ReadOnlySpan<char> file = Path.GetFileName(path.AsSpan());
        if (file.EndsWith(FileExtension, StringComparison.Ordinal)
            && CertificateStoreId.TryParseTag(file[..^FileExtension.Length], out uint tag))
        {
            var derived = new CertificateEntry(names, notBefore, notAfter, keyType, _materialSource, tag);
            if (derived.SourceEquals(path))
            {
                return derived;
            }
        }

        return new CertificateEntry(names, notBefore, notAfter, keyType, path, _materialSource);
    }

    /// <summary>Loads what a handshake needs from an entry's file bytes (read by <see cref="StoreEntryMaterialSource"/>):
    /// authenticate again (the file may have been replaced since start-up), import the key, parse the chain and check
    /// that the certificate's SAN names are the ones the index serves.</summary>
    internal CertificateMaterial OpenMaterial(CertificateEntry entry, byte[] file)
    {
        string path = entry.Source;
        if (!TryRead(path, file, wantKey: true, out StoredCertificateInfo? info, out byte[]? pkcs8, out CertificateStoreProblem? problem, out _, readChain: true))
        {
            throw new CertificateLoadException(path, problem.Reason);
        }

        // The entry may come from the store index rather than from this file: the names it is served under must be the
        // ones the authenticated header carries, or an index record could route a name to a certificate without it.
        if (!SameNames(info.Names, entry.Names))
        {
            CryptographicOperations.ZeroMemory(pkcs8);
            throw new CertificateLoadException(path, "the names this entry is served under (store index) are not the names its authenticated file carries: refused");
        }

        CertificateMaterial material;
        try
        {
            using AsymmetricAlgorithm key = ImportPkcs8(pkcs8!, info.KeyType);
            material = PemCertificateReader.CreateMaterial(info.CertificateChainPem, key, path);
        }
        catch (CryptographicException ex)
        {
            // Fixed text: an import exception message is not echoed (it could describe key bytes).
            throw new CertificateLoadException(path, "stored private key is malformed or of an unsupported type", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        // A renewal stored under the same id carries the same names (the id is derived from them), so a newer file is
        // served as is; anything else means the index and the file disagree, and serving it would be wrong.
        if (!SameNames(material.Names, entry.Names))
        {
            material.LeafWithKey.Dispose();
            throw new CertificateLoadException(path, "stored names differ from the certificate's SAN names");
        }

        return material;
    }

    private static bool SameNames(IReadOnlyList<string> a, CertificateNameList b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] pkcs8, string keyType)
    {
        if (keyType.StartsWith("RSA", StringComparison.Ordinal))
        {
            var rsa = OpenSslKeys.CreateRsa();
            try
            {
                rsa.ImportPkcs8PrivateKey(pkcs8, out _);
                return rsa;
            }
            catch
            {
                rsa.Dispose();
                throw;
            }
        }

        var ecdsa = OpenSslKeys.CreateEcdsa();
        try
        {
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return ecdsa;
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }

    /// <summary>PKCS#8 DER of the leaf's key, in a pinned array the caller wipes.</summary>
    internal static byte[] ExportPkcs8(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new CertificateLoadException(certificate.Subject, "certificate has no ECDSA or RSA private key");
        for (int size = 4096; ; size *= 2)
        {
            byte[] buffer = GC.AllocateArray<byte>(size, pinned: true);
            if (key.TryExportPkcs8PrivateKey(buffer, out int written))
            {
                byte[] exact = GC.AllocateArray<byte>(written, pinned: true);
                buffer.AsSpan(0, written).CopyTo(exact);
                CryptographicOperations.ZeroMemory(buffer);
                return exact;
            }

            CryptographicOperations.ZeroMemory(buffer);
            if (size >= 64 * 1024)
            {
                throw new CertificateLoadException(certificate.Subject, "private key too large to store");
            }
        }
    }

    /// <summary>Leaf then intermediates, as PEM (public data).</summary>
    internal static string ChainPem(CertificateEntry certificate)
    {
        var builder = new StringBuilder();
        builder.Append(PemEncoding.Write("CERTIFICATE", certificate.Certificate.RawData)).Append('\n');
        foreach (X509Certificate2 intermediate in certificate.Intermediates)
        {
            builder.Append(PemEncoding.Write("CERTIFICATE", intermediate.RawData)).Append('\n');
        }

        return builder.ToString();
    }
}
