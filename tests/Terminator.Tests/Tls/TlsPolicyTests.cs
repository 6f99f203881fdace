using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.Certificates;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

// Linux-only: file modes and CipherSuitesPolicy (OpenSSL) are what the terminator runs on.
[SupportedOSPlatform("linux")]
public sealed class TlsPolicyTests : IDisposable
{
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("TLS Test Root");

    public void Dispose() => _authority.Dispose();

    [Fact]
    public void Create_Options_AreHardened()
    {
        var entry = CertificateTestHelpers.Entry(_authority, "opts.test");
        var options = entry.ServerOptions;

        Assert.Same(entry.Context, options.ServerCertificateContext);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, options.EnabledSslProtocols);
        Assert.Equal([SslApplicationProtocol.Http11], options.ApplicationProtocols);
        Assert.False(options.ClientCertificateRequired);
        Assert.False(options.AllowRenegotiation);
        Assert.Equal(EncryptionPolicy.RequireEncryption, options.EncryptionPolicy);
        Assert.Equal(X509RevocationMode.NoCheck, options.CertificateRevocationCheckMode);
        // No CipherSuitesPolicy: it would switch off OpenSSL's SSL_CTX cache and resumption; the terminator enforces
        // the suite list around the handshake instead (see SniRoutingTests for the CBC-only client).
        Assert.Null(options.CipherSuitesPolicy);
        Assert.True(TlsPolicy.IsAllowed(TlsCipherSuite.TLS_AES_128_GCM_SHA256));
        Assert.False(TlsPolicy.IsAllowed(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA));
    }

    [Fact]
    public async Task Handshake_Tls13Client_NegotiatesTls13AndHttp11()
    {
        var entry = CertificateTestHelpers.Entry(_authority, "secure.shop.test", "*.shop.test");

        var (client, server) = await HandshakeAsync(entry, "x.shop.test", SslProtocols.None, suites: null);

        Assert.Equal(SslProtocols.Tls13, client.Protocol);
        Assert.Equal(SslApplicationProtocol.Http11, client.Alpn);
        Assert.Equal(SslApplicationProtocol.Http11, server.Alpn);
        Assert.Contains(client.Suite, TlsPolicy.AllowedCipherSuites);
    }

    [Theory]
    [InlineData(CertificateKeyType.EcdsaP256)]
    [InlineData(CertificateKeyType.Rsa2048)]
    public async Task Handshake_Tls12Client_NegotiatesEcdheAeadSuite(CertificateKeyType keyType)
    {
        var issued = _authority.Issue(["legacy.test"], keyType);
        var entry = CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "mem");

        var (client, server) = await HandshakeAsync(entry, "legacy.test", SslProtocols.Tls12, suites: null);

        Assert.Equal(SslProtocols.Tls12, client.Protocol);
        Assert.Equal(SslProtocols.Tls12, server.Protocol);
        Assert.Equal(SslApplicationProtocol.Http11, client.Alpn);
        var name = client.Suite.ToString();
        Assert.StartsWith(keyType == CertificateKeyType.Rsa2048 ? "TLS_ECDHE_RSA_WITH_" : "TLS_ECDHE_ECDSA_WITH_", name, StringComparison.Ordinal);
        Assert.True(name.Contains("_GCM_", StringComparison.Ordinal) || name.Contains("CHACHA20_POLY1305", StringComparison.Ordinal), name);
    }

    private sealed record Negotiated(SslProtocols Protocol, TlsCipherSuite Suite, SslApplicationProtocol Alpn);

    private async Task<(Negotiated Client, Negotiated Server)> HandshakeAsync(
        CertificateEntry entry, string targetHost, SslProtocols clientProtocols, TlsCipherSuite[]? suites)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var serverTask = Task.Run(async () =>
            {
                using var accepted = await listener.AcceptTcpClientAsync(timeout.Token);
                await using var tls = new SslStream(accepted.GetStream());
                await tls.AuthenticateAsServerAsync(entry.ServerOptions, timeout.Token);
                return new Negotiated(tls.SslProtocol, tls.NegotiatedCipherSuite, tls.NegotiatedApplicationProtocol);
            });

            var validated = false;
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            await using var clientTls = new SslStream(tcp.GetStream());
            var clientOptions = new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                EnabledSslProtocols = clientProtocols,
                ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    validated = ValidateAgainstLocalRoot(certificate, errors),
            };
            if (suites is not null)
            {
                clientOptions.CipherSuitesPolicy = new CipherSuitesPolicy(suites);
            }

            try
            {
                await clientTls.AuthenticateAsClientAsync(clientOptions, timeout.Token);
            }
            catch
            {
                tcp.Close();
                await Assert.ThrowsAnyAsync<Exception>(() => serverTask);
                throw;
            }

            var server = await serverTask;
            Assert.True(validated);
            return (new Negotiated(clientTls.SslProtocol, clientTls.NegotiatedCipherSuite, clientTls.NegotiatedApplicationProtocol), server);
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Accepts only a chain that builds to the local root (no system trust), with the host name matching.</summary>
    private bool ValidateAgainstLocalRoot(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_authority.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        return chain.Build(leaf);
    }
}
