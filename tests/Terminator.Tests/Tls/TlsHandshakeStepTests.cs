using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Terminator.Certificates;
using Terminator.Diagnostics;
using Terminator.Listener;
using Terminator.Samples.Certificates;
using Terminator.Tests.Certificates;
using Terminator.Tests.TestHelpers;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>The TLS step on its own: a pipeline of listener → TLS → a test step, over real loopback sockets.</summary>
public sealed class TlsHandshakeStepTests : IDisposable
{
    private static readonly SslApplicationProtocol AcmeTls1 = new("acme-tls/1");
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("TLS step test CA");

    public void Dispose() => _authority.Dispose();

    [Fact]
    public async Task AcmeTlsAlpn_RoutesToItsOwnStepWithItsOwnCertificate()
    {
        CertificateEntry site = CertificateTestHelpers.Entry(_authority, "click.shop.test");
        var challenge = new ChallengeCertificate(_authority, "click.shop.test");
        var route = new TlsProtocolRoute(AlpnFlags.AcmeTls1, new FixedSelector(challenge), connection => ReplyAsync(connection, "acme"));
        var step = new TlsHandshakeStep(new FixedSelector(site), connection => ReplyAsync(connection, "http"), TimeSpan.FromSeconds(10),
            new TerminatorMetrics(), TerminatorLog.Silent, [route]);
        await using var listener = new PipelineListener(step.OnConnectionAsync);

        (string proxyReply, X509Certificate2 proxyCertificate, SslApplicationProtocol proxyAlpn) = await ConnectAsync(listener.EndPoint, SslApplicationProtocol.Http11);
        (string acmeReply, X509Certificate2 acmeCertificate, SslApplicationProtocol acmeAlpn) = await ConnectAsync(listener.EndPoint, AcmeTls1);

        Assert.Equal(("http", SslApplicationProtocol.Http11), (proxyReply, proxyAlpn));
        Assert.Equal(("acme", AcmeTls1), (acmeReply, acmeAlpn));
        Assert.Equal(site.Certificate.Thumbprint, proxyCertificate.Thumbprint);
        Assert.Equal(challenge.Certificate.Thumbprint, acmeCertificate.Thumbprint);
    }

    [Fact]
    public async Task NextStep_SeesNegotiatedFeature_AndCloseNotifyFollowsACleanEnd()
    {
        CertificateEntry site = CertificateTestHelpers.Entry(_authority, "feature.test");
        TlsConnectionFeature? seen = null;
        var step = new TlsHandshakeStep(new FixedSelector(site), async connection =>
        {
            seen = connection.Tls;
            await connection.Transport.WriteAsync("ok"u8.ToArray());
        }, TimeSpan.FromSeconds(10), new TerminatorMetrics(), TerminatorLog.Silent);
        await using var listener = new PipelineListener(step.OnConnectionAsync);

        (string reply, List<byte> records) = await Tls12ReadToEndAsync(listener.EndPoint, "feature.test");

        Assert.Equal("ok", reply);
        Assert.Equal(0x15, records[^1]); // the last record is an alert: close_notify after a clean end
        Assert.NotNull(seen);
        Assert.True(seen.Certificate.Covers("FEATURE.test"u8));
        Assert.False(seen.Certificate.Covers("other.test"u8));
        Assert.Equal(SslApplicationProtocol.Http11, seen.ApplicationProtocol);
        Assert.True(TlsPolicy.IsAllowed(seen.CipherSuite));
    }

    [Fact]
    public async Task NextStep_AbandonsTransport_NoCloseNotify()
    {
        CertificateEntry site = CertificateTestHelpers.Entry(_authority, "abandon.test");
        var step = new TlsHandshakeStep(new FixedSelector(site), async connection =>
        {
            await connection.Transport.WriteAsync("partial"u8.ToArray());
            connection.AbandonTransport();
        }, TimeSpan.FromSeconds(10), new TerminatorMetrics(), TerminatorLog.Silent);
        await using var listener = new PipelineListener(step.OnConnectionAsync);

        (string reply, List<byte> records) = await Tls12ReadToEndAsync(listener.EndPoint, "abandon.test");

        Assert.Equal("partial", reply);
        // No close_notify: the client can tell the stream was cut, not complete (RFC 8446 §6.1).
        Assert.DoesNotContain((byte)0x15, records);
    }

    [Fact]
    public async Task CertificateThatNoLongerLoads_GetsInternalErrorAlert()
    {
        // A compact entry whose file was deleted or tampered with after it was indexed.
        CertificateEntry broken = new(["gone.test"], DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30),
            "ECDSA P-256", "/var/lib/terminator/store/gone.tcert", new FailingMaterialSource());
        var log = new LogLines(LogLevel.Information);
        var step = new TlsHandshakeStep(new FixedSelector(broken), _ => Task.CompletedTask, TimeSpan.FromSeconds(10),
            new TerminatorMetrics(), log.Log);
        await using var listener = new PipelineListener(step.OnConnectionAsync);

        byte[] answer = await SendRawAsync(listener.EndPoint, new ClientHelloBuilder().WithServerName("gone.test").Build());

        // Fatal alert record (RFC 8446 §6): level 2, description internal_error(80); not a bare TCP close.
        Assert.Equal(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 80 }, answer);
        Assert.Contains(log.Lines, l => l.Contains("gone.tcert", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClientHelloInOneByteRecords_HandshakeProceeds()
    {
        // RFC 8446 §5.1 allows any fragmentation; the peek must accept it (in linear time, see
        // ClientHelloParserProgressTests) and replay it to OpenSSL, which answers with its ServerHello.
        CertificateEntry site = CertificateTestHelpers.Entry(_authority, "click.example.com");
        var step = new TlsHandshakeStep(new FixedSelector(site), _ => Task.CompletedTask, TimeSpan.FromSeconds(10),
            new TerminatorMetrics(), TerminatorLog.Silent);
        await using var listener = new PipelineListener(step.OnConnectionAsync);
        byte[] capture = ClientHelloCaptures.Load(ClientHelloCaptures.OpenSslTls13);
        byte[] fragmented = ClientHelloBuilder.ToRecords(ClientHelloBuilder.MessageOf(capture), 1);

        byte[] answer = await SendRawAsync(listener.EndPoint, fragmented, expectAtLeast: 6, chunk: 64);

        Assert.Equal(22, answer[0]);   // handshake record
        Assert.Equal(2, answer[5]);    // server_hello
    }

    private static async Task ReplyAsync(ConnectionContext connection, string reply) =>
        await connection.Transport.WriteAsync(Encoding.ASCII.GetBytes(reply));

    private static async Task<int> ReadToEndAsync(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (true)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (read == 0)
            {
                return total;
            }

            total += read;
        }
    }

    /// <summary>TLS 1.2, so alert records stay visible on the wire; returns the text and the record types received.</summary>
    private static async Task<(string Reply, List<byte> Records)> Tls12ReadToEndAsync(IPEndPoint endPoint, string serverName)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endPoint);
        var wire = new InstrumentedStream(tcp.GetStream());
        await using var tls = new SslStream(wire, false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        });
        byte[] buffer = new byte[64];
        int total = 0;
        try
        {
            int read;
            while ((read = await tls.ReadAsync(buffer.AsMemory(total)).AsTask().WaitAsync(TimeSpan.FromSeconds(10))) > 0)
            {
                total += read;
            }
        }
        catch (IOException)
        {
            // SslStream may or may not report a missing close_notify; the record types say what was on the wire.
        }

        return (Encoding.ASCII.GetString(buffer, 0, total), InstrumentedStream.RecordTypes(wire.Received));
    }

    private static async Task<(string Reply, X509Certificate2 Certificate, SslApplicationProtocol Alpn)> ConnectAsync(IPEndPoint endPoint, SslApplicationProtocol protocol)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "click.shop.test", ApplicationProtocols = [protocol] });
        byte[] buffer = new byte[16];
        int read = await ReadToEndAsync(tls, buffer);
        return (Encoding.ASCII.GetString(buffer, 0, read), new X509Certificate2(tls.RemoteCertificate!), tls.NegotiatedApplicationProtocol);
    }

    /// <summary>Sends raw bytes (in <paramref name="chunk"/>-byte writes), then reads what comes back until
    /// <paramref name="expectAtLeast"/> bytes or the close.</summary>
    private static async Task<byte[]> SendRawAsync(IPEndPoint endPoint, byte[] bytes, int expectAtLeast = int.MaxValue, int chunk = int.MaxValue)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        for (int offset = 0; offset < bytes.Length; offset += chunk)
        {
            await socket.SendAsync(bytes.AsMemory(offset, Math.Min(chunk, bytes.Length - offset)));
        }

        var received = new List<byte>();
        byte[] buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (received.Count < expectAtLeast)
        {
            int read = await socket.ReceiveAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, read));
        }

        return [.. received];
    }

    private sealed class FixedSelector(ITlsServerCertificate certificate) : ITlsCertificateSelector
    {
        public ITlsServerCertificate? Select(ReadOnlySpan<byte> serverName, in ClientHelloInfo hello) => certificate;
    }

    private sealed class FailingMaterialSource : ICertificateMaterialSource
    {
        public ValueTask<CertificateMaterial> LoadAsync(CertificateEntry entry, CancellationToken cancellationToken) =>
            throw new CertificateLoadException(entry.Source, "entry fails authentication (tampered, truncated or another key)");

        public CertificateMaterial Load(CertificateEntry entry) => throw new NotSupportedException();
    }

    /// <summary>What an ACME TLS-ALPN-01 responder would serve: its own certificate, ALPN acme-tls/1 only.</summary>
    private sealed class ChallengeCertificate : ITlsServerCertificate
    {
        private readonly SslServerAuthenticationOptions _options;

        public ChallengeCertificate(LocalCertificateAuthority authority, string name)
        {
            IssuedCertificate issued = authority.Issue([name]);
            Certificate = X509Certificate2.CreateFromPem(issued.ChainPem, issued.PrivateKeyPem);
            _options = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = SslStreamCertificateContext.Create(Certificate, null, offline: true),
                ApplicationProtocols = [AcmeTls1],
            };
        }

        public X509Certificate2 Certificate { get; }

        public string Source => "acme challenge";

        public bool IsEcdsa => true;

        public bool IsMaterialized => true;

        public bool Covers(ReadOnlySpan<byte> hostName) => false;

        public ValueTask<SslServerAuthenticationOptions> GetServerOptionsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(_options);
    }
}
