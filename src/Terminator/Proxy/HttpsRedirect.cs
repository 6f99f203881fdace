using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using Terminator.Http;
using Terminator.Listener;

namespace Terminator.Proxy;

/// <summary>
/// <c>TERMINATOR_HTTP_REDIRECT=on</c>: on plain HTTP, a request for a host the TLS side serves is answered
/// <c>301 Moved Permanently</c> to the same target over https://. The Host comes from the client, so it is not
/// believed blindly: only a host with a certificate that is served and valid now is redirected (the https:// URL works
/// there); any other Host, a request with a body and ACME HTTP-01 challenges are proxied as with the redirect off, so an
/// old http:// link keeps working whatever the certificate state.
/// </summary>
internal sealed class HttpsRedirect(IServedHostNames servedHosts)
{
    // RFC 8555 §8.3: the CA fetches challenges over plain HTTP; they are answered here or upstream, never redirected.
    private static ReadOnlySpan<byte> AcmeChallengePath => "/.well-known/acme-challenge/"u8;

    private const int DefaultHttpsPort = 443;

    private byte[] _port = [];

    /// <summary>
    /// Chooses the port the Location names from the bound TLS addresses: none when one of them is 443, else
    /// ":&lt;port&gt;" of the first (a URL without it would name a port nothing of ours serves). Called once by the
    /// server after binding, before any listener accepts.
    /// </summary>
    public void UseHttpsEndPoints(IReadOnlyList<IPEndPoint> httpsEndPoints)
    {
        ArgumentNullException.ThrowIfNull(httpsEndPoints);
        int port = DefaultHttpsPort;
        foreach (IPEndPoint endPoint in httpsEndPoints)
        {
            if (endPoint.Port == DefaultHttpsPort)
            {
                port = DefaultHttpsPort;
                break;
            }

            port = port == DefaultHttpsPort ? endPoint.Port : port;
        }

        _port = port == DefaultHttpsPort ? [] : Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $":{port}"));
    }

    /// <summary>The port part of every Location ("" or ":8443").</summary>
    public ReadOnlySpan<byte> PortSuffix => _port;

    /// <summary>
    /// Writes the redirect for <paramref name="request"/> (a bodiless request on a plain connection) and returns true, or
    /// writes nothing and returns false to let it go upstream. Allocates nothing.
    /// </summary>
    public bool TryWriteResponse(HttpRequestHead request, IBufferWriter<byte> output, bool closeConnection)
    {
        ReadOnlySpan<byte> target = request.OriginFormTarget;
        // "*" (OPTIONS asterisk-form) names no resource to redirect to.
        if (target.IsEmpty || target[0] != (byte)'/' || target.StartsWith(AcmeChallengePath))
        {
            return false;
        }

        Span<byte> host = stackalloc byte[HostFieldParser.MaxHostNameLength];
        if (!request.TryGetHostName(host, out int length) || !servedHosts.HasValidCertificateFor(host[..length]))
        {
            return false;
        }

        RedirectResponseWriter.Write(output, host[..length], _port, target, closeConnection,
            announceKeepAlive: request.VersionMinor == 0);
        return true;
    }
}
