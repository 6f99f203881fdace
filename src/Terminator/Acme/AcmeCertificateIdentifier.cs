using System.Buffers.Text;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.Acme;

/// <summary>
/// The ACME Renewal Information certificate identifier (RFC 9773 §4.1): base64url(keyIdentifier of the Authority Key
/// Identifier extension) "." base64url(the serial number's DER content octets), both without padding. The same string
/// names the certificate in a renewalInfo URL and in a new order's <c>replaces</c> field (§5).
/// </summary>
internal static class AcmeCertificateIdentifier
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35"; // RFC 5280 §4.2.1.1

    /// <summary>The identifier of <paramref name="certificate"/>, or null when it has no AKI keyIdentifier.</summary>
    public static string? TryCreate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != AuthorityKeyIdentifierOid)
            {
                continue;
            }

            var aki = extension as X509AuthorityKeyIdentifierExtension ?? new X509AuthorityKeyIdentifierExtension(extension.RawData);
            if (aki.KeyIdentifier is { Length: > 0 } keyIdentifier)
            {
                // SerialNumberBytes is big-endian as encoded, leading 0x00 (for a positive high bit) included, which is
                // exactly what §4.1 asks for ("the DER encoding ... excluding the tag and length").
                return Base64Url.EncodeToString(keyIdentifier.Span) + "." + Base64Url.EncodeToString(certificate.SerialNumberBytes.Span);
            }
        }

        return null;
    }
}
