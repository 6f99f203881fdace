using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Certificates;

/// <summary>
/// Turns PEM text into a <see cref="CertificateEntry"/>: finds the key block, picks the certificate that matches the
/// key as the leaf, and turns every failure into a clear reason. Error reasons are fixed strings: cryptographic
/// exception messages are not echoed, so nothing derived from key material can reach a log.
/// </summary>
internal static partial class PemCertificateReader
{
    private const string CertificateLabel = "CERTIFICATE";
    private const string Pkcs8Label = "PRIVATE KEY";
    private const string EcLabel = "EC PRIVATE KEY";
    private const string RsaLabel = "RSA PRIVATE KEY";
    private const string EncryptedLabel = "ENCRYPTED PRIVATE KEY";

    /// <summary>
    /// `cat cert.pem key.pem` on a file without a final newline glues "-----END CERTIFICATE----------BEGIN ...";
    /// RFC 7468 parsers (PemEncoding) then see no block. Ten dashes never occur inside a valid block (base64 has no
    /// '-'), so splitting them back is safe.
    /// </summary>
    internal static string SplitGluedBlocks(string text) =>
        text.Contains("----------", StringComparison.Ordinal)
            ? text.Replace("----------", "-----\n-----", StringComparison.Ordinal)
            : text;

    public static bool ContainsCertificate(string text) => FindBlock(SplitGluedBlocks(text), static label => label is CertificateLabel).Found;

    public static bool ContainsPrivateKey(string text) => FindPrivateKeyBlock(SplitGluedBlocks(text)).Found;

    public static CertificateEntry CreateEntry(string chainPem, string keyPem, string source) =>
        ToEntry(CreateMaterial(chainPem, keyPem, source), source);

    /// <summary>Parses chain and key PEM into material (leaf with key, intermediates, SAN names).</summary>
    public static CertificateMaterial CreateMaterial(string chainPem, string keyPem, string source)
    {
        chainPem = SplitGluedBlocks(chainPem);
        keyPem = SplitGluedBlocks(keyPem);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(chainPem);
        }
        catch (CryptographicException ex)
        {
            throw new CertificateLoadException(source, "malformed certificate PEM (a CERTIFICATE block does not decode)", ex);
        }

        if (certificates.Count == 0)
        {
            throw new CertificateLoadException(source, "no certificate (no PEM CERTIFICATE block found)");
        }

        AsymmetricAlgorithm importedKey;
        try
        {
            importedKey = ImportPrivateKey(keyPem, source);
        }
        catch (CertificateLoadException)
        {
            DisposeAll(certificates);
            throw;
        }

        using var key = importedKey;
        return CreateMaterial(certificates, key, source);
    }

    private static AsymmetricAlgorithm ImportPrivateKey(string keyPem, string source)
    {
        var (found, label, block) = FindPrivateKeyBlock(keyPem);
        if (!found)
        {
            throw new CertificateLoadException(source, "no private key (no PEM PRIVATE KEY block found)");
        }

        if (label == EncryptedLabel)
        {
            throw new CertificateLoadException(source, "encrypted private keys are not supported (store the key unencrypted, mode 600)");
        }

        // PKCS#8 does not say its algorithm in the label: try EC (the common case for modern certificates), then RSA.
        if (label is EcLabel or Pkcs8Label && TryImport(OpenSslKeys.CreateEcdsa(), block, out var ecdsa))
        {
            return ecdsa;
        }

        if (label is RsaLabel or Pkcs8Label && TryImport(OpenSslKeys.CreateRsa(), block, out var rsa))
        {
            return rsa;
        }

        throw new CertificateLoadException(source, "private key is malformed or of an unsupported type");
    }

    private static bool TryImport<T>(T algorithm, string block, out T imported)
        where T : AsymmetricAlgorithm
    {
        try
        {
            // ImportFromPem is defined per algorithm family; AsymmetricAlgorithm's virtual dispatches to it.
            algorithm.ImportFromPem(block);
            imported = algorithm;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            algorithm.Dispose();
            imported = null!;
            return false;
        }
    }

    /// <summary>Index of the certificate whose public key is <paramref name="key"/>'s, or -1. Compares the public
    /// numbers (EC point / RSA modulus) rather than encodings, which may legitimately differ.</summary>
    private static int FindCertificateForKey(X509Certificate2Collection certificates, AsymmetricAlgorithm key)
    {
        for (var i = 0; i < certificates.Count; i++)
        {
            if (key is ECDsa ecdsa)
            {
                using var publicKey = certificates[i].GetECDsaPublicKey();
                if (publicKey is not null && SameEcPoint(publicKey.ExportParameters(false), ecdsa.ExportParameters(false)))
                {
                    return i;
                }
            }
            else if (key is RSA rsa)
            {
                using var publicKey = certificates[i].GetRSAPublicKey();
                if (publicKey is not null && SameRsaKey(publicKey.ExportParameters(false), rsa.ExportParameters(false)))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static bool SameEcPoint(ECParameters a, ECParameters b) =>
        a.Q.X.AsSpan().SequenceEqual(b.Q.X) && a.Q.Y.AsSpan().SequenceEqual(b.Q.Y)
        && a.Curve.Oid?.Value == b.Curve.Oid?.Value;

    private static bool SameRsaKey(RSAParameters a, RSAParameters b) =>
        a.Modulus.AsSpan().SequenceEqual(b.Modulus) && a.Exponent.AsSpan().SequenceEqual(b.Exponent);

    private static (bool Found, string Label, string Block) FindPrivateKeyBlock(string text) =>
        FindBlock(text, static label => label is Pkcs8Label or EcLabel or RsaLabel or EncryptedLabel);

    private static (bool Found, string Label, string Block) FindBlock(string text, Func<string, bool> wanted)
    {
        var remaining = text.AsSpan();
        var offset = 0;
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            var label = remaining[fields.Label].ToString();
            if (wanted(label))
            {
                var (start, length) = fields.Location.GetOffsetAndLength(remaining.Length);
                return (true, label, text.Substring(offset + start, length));
            }

            var end = fields.Location.End.GetOffset(remaining.Length);
            remaining = remaining[end..];
            offset += end;
        }

        return (false, string.Empty, string.Empty);
    }

    private static void DisposeAll(X509Certificate2Collection certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }
}
