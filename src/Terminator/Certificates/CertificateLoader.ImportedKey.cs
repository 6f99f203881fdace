using System.Security.Cryptography;

namespace Terminator.Certificates;

/// <summary>Entry construction from a chain plus a key object (used by the encrypted certificate store).</summary>
internal static partial class CertificateLoader
{
    /// <summary>
    /// Loads an entry from a PEM certificate chain and an already-imported private key (<see cref="ECDsa"/> or
    /// <see cref="RSA"/>). The store decrypts PKCS#8 bytes directly into the key object, so the key never exists as PEM
    /// text (strings cannot be wiped). The leaf is the certificate matching the key, as for <see cref="LoadPem"/>.
    /// </summary>
    /// <param name="certificateChainPem">One or more CERTIFICATE blocks.</param>
    /// <param name="privateKey">The private key; the caller keeps ownership (the entry holds its own copy).</param>
    /// <param name="source">Label used as <see cref="CertificateEntry.Source"/> and in errors.</param>
    /// <exception cref="CertificateLoadException">The chain or key cannot be used; the message says why.</exception>
    public static CertificateEntry LoadPemWithKey(string certificateChainPem, AsymmetricAlgorithm privateKey, string source)
    {
        ArgumentNullException.ThrowIfNull(certificateChainPem);
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(source);
        return PemCertificateReader.CreateEntry(certificateChainPem, privateKey, source);
    }
}
