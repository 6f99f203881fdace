using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Terminator.Certificates;

namespace Terminator.Storage;

/// <summary>Reading one entry file, and turning certificates into what is written.</summary>
public sealed partial class DirectoryCertificateStore
{
    /// <summary>Reads and authenticates one file; checks its name against the authenticated id.</summary>
    private bool TryRead(string path, bool wantKey,
        [NotNullWhen(true)] out StoredCertificateInfo? info, out byte[]? pkcs8, [NotNullWhen(false)] out CertificateStoreProblem? problem) =>
        TryRead(path, wantKey, out info, out pkcs8, out problem, out _);

    /// <param name="authentic">True when the tag verified, even if the entry is then rejected (a renamed file).</param>
    private bool TryRead(string path, bool wantKey, [NotNullWhen(true)] out StoredCertificateInfo? info, out byte[]? pkcs8,
        [NotNullWhen(false)] out CertificateStoreProblem? problem, out bool authentic)
    {
        authentic = false;
        pkcs8 = null;
        info = null;
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = new CertificateStoreProblem(path, "unreadable: " + ex.Message, AuthenticationFailed: false);
            return false;
        }

        string? reason = StoreEntryFormat.TryOpen(file, _key, path, wantKey, out info, out pkcs8, out bool authenticationFailed);
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

    /// <param name="authentic">True when the entry passed authentication, even if it then failed to load.</param>
    private bool TryLoadEntry(string path, [NotNullWhen(true)] out CertificateEntry? entry,
        [NotNullWhen(false)] out CertificateStoreProblem? problem, out bool authentic)
    {
        entry = null;
        if (!TryRead(path, wantKey: true, out StoredCertificateInfo? info, out byte[]? pkcs8, out problem, out authentic))
        {
            return false;
        }

        try
        {
            using AsymmetricAlgorithm key = ImportPkcs8(pkcs8!, info.KeyType);
            entry = CertificateLoader.LoadPemWithKey(info.CertificateChainPem, key, path);
        }
        catch (CertificateLoadException ex)
        {
            problem = new CertificateStoreProblem(path, ex.Message, AuthenticationFailed: false);
            return false;
        }
        catch (CryptographicException)
        {
            // Fixed text: an import exception message is not echoed (it could describe key bytes).
            problem = new CertificateStoreProblem(path, "stored private key is malformed or of an unsupported type", AuthenticationFailed: false);
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        if (!entry.Names.SequenceEqual(info.Names, StringComparer.Ordinal))
        {
            entry.Certificate.Dispose();
            entry = null;
            problem = new CertificateStoreProblem(path, "stored names differ from the certificate's SAN names", AuthenticationFailed: false);
            return false;
        }

        return true;
    }

    private static AsymmetricAlgorithm ImportPkcs8(byte[] pkcs8, string keyType)
    {
        if (keyType.StartsWith("RSA", StringComparison.Ordinal))
        {
            var rsa = RSA.Create();
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

        var ecdsa = ECDsa.Create();
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
    private static byte[] ExportPkcs8(X509Certificate2 certificate)
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
    private static string ChainPem(CertificateEntry certificate)
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
