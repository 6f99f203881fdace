using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Diagnostics;

namespace Terminator.Tls;

/// <summary>
/// Checks, once at start-up, that the three workarounds reaching into the runtime's private members still find them,
/// and reports which are in effect now (<see cref="Current"/>: each one turns itself off for good the first time a
/// member is missing).
/// </summary>
/// <remarks>
/// Each workaround falls back to the runtime's own (correct, costlier) behaviour on a runtime it was not verified on,
/// and a test fails on such a runtime. The daemon does not run tests, though: after a .NET update on a host the fallback
/// would be silent, and an operator would see only the cost (first handshakes, memory per certificate and per idle
/// connection). <see cref="Probe"/> exercises the first two on a throwaway in-memory certificate before any real one
/// loads (the third is decided by its field lookup), so the daemon can say at start-up which ones are off.
/// </remarks>
internal static class RuntimeWorkarounds
{
    /// <summary>The workarounds in effect now.</summary>
    public static RuntimeWorkaroundState Current => new(
        CertificateContextBuilder.BuildsWithoutChain,
        RuntimeSslContextRent.IsAvailable,
        OpenSslRecordBuffers.IsAvailable);

    /// <summary>Builds a certificate context and rents its SSL_CTX for a throwaway self-signed P-256 certificate (a few
    /// milliseconds, once), so a missing runtime member turns its workaround off now; returns <see cref="Current"/>.</summary>
    /// <param name="rentSslContext">False when SSL_CTX pinning is off (TERMINATOR_SSL_CTX_PIN=off): the rent is not
    /// used, so it is not probed.</param>
    public static RuntimeWorkaroundState Probe(bool rentSslContext)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=terminator.invalid", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddMinutes(-1), now.AddMinutes(10));
        SslStreamCertificateContext context = CertificateContextBuilder.Build(certificate, [], stapleOcsp: false);
        if (rentSslContext)
        {
            SslServerAuthenticationOptions options = TlsPolicy.CreateServerOptions(context);
            try
            {
                if (RuntimeSslContextRent.TryRent(options, out SafeHandle? rent))
                {
                    rent.Dispose();
                }
            }
            catch (CryptographicException)
            {
                // Building the SSL_CTX failed for this throwaway certificate: nothing about the rent's members.
            }
        }

        return Current;
    }
}
