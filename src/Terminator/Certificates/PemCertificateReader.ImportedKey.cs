using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>The half of <see cref="PemCertificateReader"/> that starts from an already-imported private key: the
/// encrypted store decrypts PKCS#8 bytes straight into a key object, so key material never becomes a PEM string.</summary>
internal static partial class PemCertificateReader
{
    /// <summary>Builds an entry from chain PEM and <paramref name="key"/>; the caller keeps ownership of the key.</summary>
    public static CertificateEntry CreateEntry(string chainPem, AsymmetricAlgorithm key, string source) =>
        ToEntry(CreateMaterial(chainPem, key, source), source);

    /// <summary>Same as <see cref="CreateEntry(string, AsymmetricAlgorithm, string)"/>, without the entry around it
    /// (what a compact entry's material source returns).</summary>
    public static CertificateMaterial CreateMaterial(string chainPem, AsymmetricAlgorithm key, string source)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(SplitGluedBlocks(chainPem));
        }
        catch (CryptographicException ex)
        {
            throw new CertificateLoadException(source, "malformed certificate PEM (a CERTIFICATE block does not decode)", ex);
        }

        if (certificates.Count == 0)
        {
            throw new CertificateLoadException(source, "no certificate (no PEM CERTIFICATE block found)");
        }

        return CreateMaterial(certificates, key, source);
    }

    /// <summary>Wraps loaded material into an entry that keeps it (the certificate is disposed if that fails).</summary>
    internal static CertificateEntry ToEntry(CertificateMaterial material, string source)
    {
        try
        {
            return new CertificateEntry(material.LeafWithKey, material.Intermediates, material.Names, source);
        }
        catch (CryptographicException ex)
        {
            material.LeafWithKey.Dispose();
            DisposeAll(material.Intermediates);
            throw new CertificateLoadException(source, "could not read the certificate's key type", ex);
        }
    }

    /// <summary>Picks the leaf matching <paramref name="key"/>, attaches the key and builds the entry. Takes ownership
    /// of <paramref name="certificates"/> (disposed on failure), not of <paramref name="key"/>.</summary>
    private static CertificateMaterial CreateMaterial(X509Certificate2Collection certificates, AsymmetricAlgorithm key, string source)
    {
        // The leaf comes first in every chain file (certbot's fullchain.pem, the store's entries), and CopyWithPrivateKey
        // compares the key with the certificate's public key itself: trying the first certificate directly spares the
        // second comparison (a public-key import and two parameter exports, ~60 µs of a first handshake,
        // bench/Terminator.Benchmarks first-handshake). Only a file with the leaf elsewhere pays for the search.
        var leafIndex = 0;
        if (!TryCopyWithPrivateKey(certificates[0], key, out var leafWithKey))
        {
            leafIndex = FindCertificateForKey(certificates, key);
            if (leafIndex <= 0)
            {
                DisposeAll(certificates);
                throw new CertificateLoadException(source, "private key does not match the certificate");
            }

            try
            {
                leafWithKey = CopyWithPrivateKey(certificates[leafIndex], key);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                DisposeAll(certificates);
                throw new CertificateLoadException(source, "private key does not match the certificate", ex);
            }
        }

        var leaf = certificates[leafIndex];
        var intermediates = new X509Certificate2Collection();
        for (var i = 0; i < certificates.Count; i++)
        {
            if (i != leafIndex)
            {
                intermediates.Add(certificates[i]);
            }
        }

        leaf.Dispose();
        var names = CertificateNames.Read(leafWithKey);
        if (names.Count == 0)
        {
            leafWithKey.Dispose();
            DisposeAll(intermediates);
            throw new CertificateLoadException(source, "no SAN DNS names (the subject CN is not used for matching)");
        }

        return new CertificateMaterial(leafWithKey, intermediates, names);
    }

    private static bool TryCopyWithPrivateKey(X509Certificate2 certificate, AsymmetricAlgorithm key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out X509Certificate2? withKey)
    {
        try
        {
            withKey = CopyWithPrivateKey(certificate, key);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            // Not this certificate's key (or not its algorithm): the caller searches the others.
            withKey = null;
            return false;
        }
    }

    private static X509Certificate2 CopyWithPrivateKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        _ => throw new CryptographicException("unsupported key type"),
    };
}
