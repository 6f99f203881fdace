using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Terminator.ScaleBench;

/// <summary>One full TLS 1.3 handshake (new TCP connection, resumption off) and a check that the certificate served
/// is the one for the name asked.</summary>
internal static class TlsProbe
{
    /// <summary>Milliseconds from connect to a finished handshake; throws when the handshake fails.</summary>
    public static async Task<double> HandshakeAsync(IPEndPoint endPoint, string name, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, cancellationToken);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = name,
            EnabledSslProtocols = SslProtocols.Tls13,
            AllowTlsResume = false,
            // The bench CA is not trusted; the check that matters is the name below.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        }, cancellationToken);
        double elapsed = stopwatch.Elapsed.TotalMilliseconds;
        using var served = new X509Certificate2(tls.RemoteCertificate!);
        string servedName = served.GetNameInfo(X509NameType.DnsName, forIssuer: false);
        if (!string.Equals(servedName, name, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"asked for {name}, served {servedName}");
        }

        return elapsed;
    }

    /// <summary>Retries until a handshake for <paramref name="name"/> succeeds; returns when it did.</summary>
    public static async Task WaitUntilServedAsync(IPEndPoint endPoint, string name, TimeSpan timeout, TimeSpan pollInterval)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                _ = await HandshakeAsync(endPoint, name);
                return;
            }
            catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or InvalidOperationException)
            {
                if (stopwatch.Elapsed > timeout)
                {
                    throw new TimeoutException($"{name} not served within {timeout.TotalSeconds:0} s: {ex.Message}", ex);
                }

                await Task.Delay(pollInterval);
            }
        }
    }
}
