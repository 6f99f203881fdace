using System.Net;
using System.Security.Cryptography.X509Certificates;
using Terminator.Acme.Wire;

namespace Terminator.Acme;

internal sealed partial class AcmeClient
{
    /// <summary>
    /// The CA's renewal window for <paramref name="certificate"/> (RFC 9773 §4.2): an unauthenticated GET of
    /// <c>{renewalInfo}/{certID}</c>. Null when the CA's directory has no <c>renewalInfo</c> (renew by the certificate's
    /// own dates then), or when the CA does not know the certificate (404).
    /// </summary>
    /// <exception cref="ArgumentException">The certificate has no Authority Key Identifier, so it has no ARI identifier.</exception>
    public async Task<AcmeRenewalInfo?> GetRenewalInfoAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string id = AcmeCertificateIdentifier.TryCreate(certificate)
            ?? throw new ArgumentException($"certificate {certificate.Subject} has no Authority Key Identifier; ARI cannot name it", nameof(certificate));
        AcmeDirectory directory = await GetDirectoryAsync(cancellationToken).ConfigureAwait(false);
        if (directory.RenewalInfo is not { } baseUrl)
        {
            return null;
        }

        var url = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/" + id);
        AcmeResponse response = await _transport.GetAsync(url, "renewalInfo", cancellationToken).ConfigureAwait(false);
        if (response.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        AcmeRenewalInfoDocument document = AcmeTransport.Read(response, AcmeJsonContext.Default.AcmeRenewalInfoDocument, "renewalInfo");
        if (document.SuggestedWindow is not { Start: { } start, End: { } end } || end < start)
        {
            throw new AcmeProtocolException($"renewalInfo at {url}: no valid suggestedWindow");
        }

        Uri? explanation = document.ExplanationUrl is { } text && Uri.TryCreate(text, UriKind.Absolute, out Uri? parsed) ? parsed : null;
        return new AcmeRenewalInfo(start, end, explanation, response.RetryAfter);
    }
}
