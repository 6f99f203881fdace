using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Microsoft.Extensions.Logging;
using Terminator.Configuration;
using Terminator.Diagnostics;
using Terminator.Tests.TestHelpers;
using Terminator.Tests.Tls;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Review pass on the TLS side over raw sockets: stalled and trickled ClientHellos, the alert bytes really on the wire,
/// and close_notify exactly when the connection ended cleanly.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class TlsReviewTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0300.tracking.test";
    private static readonly TimeSpan ShortHandshake = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Tls12RenegotiationAttempt_RefusedWithoutAnErrorLogLine()
    {
        // The refusal made OpenSSL fail the close_notify ("shutdown while in init"), which used to reach the listener's
        // catch-all: one error line with a stack trace per connection, free for any client.
        await using var upstream = new RecordingUpstream();
        var log = new LogLines(LogLevel.Information);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, log: log.Log);
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "s_client", "-connect", terminator.Https.ToString(), "-servername", Site, "-tls1_2" })
        {
            info.ArgumentList.Add(argument);
        }

        using Process client = Process.Start(info)!;
        try
        {
            Task<string> stderr = client.StandardError.ReadToEndAsync();
            // The session summary ends with the verify result: the handshake is done, s_client now reads commands.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            string? line;
            while ((line = await client.StandardOutput.ReadLineAsync(timeout.Token)) is not null && !line.Contains("Verify return code", StringComparison.Ordinal))
            {
            }

            Assert.NotNull(line);
            await client.StandardInput.WriteLineAsync("R");
            await client.StandardInput.FlushAsync();
            _ = client.StandardOutput.ReadToEndAsync();
            await client.WaitForExitAsync(timeout.Token);
            Assert.Contains("RENEGOTIATING", await stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!client.HasExited)
            {
                client.Kill();
            }
        }

        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0));
        Assert.Equal(1, terminator.Server.Metrics.HandshakesCompleted);
        Assert.DoesNotContain(log.Entries, e => e.Level == "error");
    }

    [Fact]
    public async Task UnknownSni_RawSocket_GetsSevenByteUnrecognizedNameAlertThenClose()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        byte[] reply = await SendHelloAndReadToEndAsync(terminator.Https, ClientHelloCaptures.Load(ClientHelloCaptures.OpenSslTls13));

        Assert.Equal(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 112 }, reply);
        Assert.Equal(1, terminator.Server.Metrics.UnknownServerNames);
    }

    [Fact]
    public async Task Tls11OnlyClient_GetsProtocolVersionAlert()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        // A TLS 1.1 client: legacy_version 0x0302 and no supported_versions extension (RFC 8446 §4.2.1).
        byte[] hello = new ClientHelloBuilder { LegacyVersion = 0x0302, CipherSuites = [0xc013, 0x002f] }.WithServerName(Site).Build();

        byte[] reply = await SendHelloAndReadToEndAsync(terminator.Https, hello);

        Assert.Equal(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70 }, reply);
        Assert.Equal(0, terminator.Server.Metrics.HandshakesCompleted);
    }

    [Fact]
    public async Task PartialClientHelloThenStall_ClosedAtHandshakeTimeout()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { HandshakeTimeout = ShortHandshake });
        byte[] hello = new ClientHelloBuilder().WithServerName(Site).Build();

        byte[] reply = await SendHelloAndReadToEndAsync(terminator.Https, hello[..40]);

        Assert.Empty(reply);
        Assert.Equal(1, terminator.Server.Metrics.HandshakeTimeouts);
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0 && terminator.Server.Limiter.Total == 0));
    }

    [Fact]
    public async Task CompleteClientHelloThenStallMidHandshake_ClosedAtHandshakeTimeout()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { HandshakeTimeout = ShortHandshake, UnknownSni = UnknownSniPolicy.Default }, ca.DefaultCertificate);

        // A real curl hello: the server answers with its flight, then waits for the client's, which never comes.
        byte[] reply = await SendHelloAndReadToEndAsync(terminator.Https, ClientHelloCaptures.Load(ClientHelloCaptures.Curl));

        Assert.Equal(0x16, reply[0]);   // ServerHello went out: the stall is inside SslStream, past the peek
        Assert.Equal(1, terminator.Server.Metrics.HandshakeTimeouts);
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.ActiveConnections == 0));
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task ClientHelloInOneByteSegments_HandshakeAndRequestSucceed(SslProtocols protocol)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(terminator.Https);
        var wire = new InstrumentedStream(tcp.GetStream(), writeChunkSize: 1);
        await using var tls = new SslStream(wire);
        await tls.AuthenticateAsClientAsync(ClientOptions(protocol));

        string response = await RequestToEndAsync(tls, $"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 OK\r\n", response, StringComparison.Ordinal);
        Assert.Equal($"CN={Site}", tls.RemoteCertificate!.Subject);
    }

    [Fact]
    public async Task GracefulClose_SendsCloseNotify()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        (string response, List<byte> records) = await Tls12RequestAsync(terminator.Https, $"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\nConnection: close\r\n\r\n");

        Assert.EndsWith("\r\n\r\nok", response, StringComparison.Ordinal);
        Assert.Equal(0x15, records[^1]);   // the last record is an alert: close_notify
    }

    [Fact]
    public async Task UpstreamResetInsideCloseDelimitedBody_NoCloseNotify_SoTheClientCanTellTruncation()
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            await c.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst half of a close-delimited bo");
            await Task.Delay(100);
            c.Reset();
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        (string response, List<byte> records) = await Tls12RequestAsync(terminator.Https, $"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");

        Assert.EndsWith("first half of a close-delimited bo", response, StringComparison.Ordinal);
        Assert.DoesNotContain((byte)0x15, records);   // a close_notify here would certify the cut-off body as complete
    }

    [Fact]
    public async Task CloseDelimitedBodyEndingNormally_SendsCloseNotify()
    {
        await using var upstream = new RecordingUpstream(UpstreamBehavior.RespondAndClose);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        (string response, List<byte> records) = await Tls12RequestAsync(terminator.Https, $"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");

        Assert.EndsWith("until-close", response, StringComparison.Ordinal);
        Assert.Equal(0x15, records[^1]);
    }

    // Chain trust is covered by SniRoutingTests; here only the subject is checked.
    private static SslClientAuthenticationOptions ClientOptions(SslProtocols protocol) => new()
    {
        TargetHost = Site,
        EnabledSslProtocols = protocol,
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
    };

    /// <summary>One request over TLS 1.2 (record types visible), read to EOF; returns the text and the raw record types received.</summary>
    private static async Task<(string Response, List<byte> Records)> Tls12RequestAsync(IPEndPoint endPoint, string request)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(endPoint);
        var wire = new InstrumentedStream(tcp.GetStream());
        await using var tls = new SslStream(wire);
        await tls.AuthenticateAsClientAsync(ClientOptions(SslProtocols.Tls12));
        string response = await RequestToEndAsync(tls, request);
        return (response, InstrumentedStream.RecordTypes(wire.Received));
    }

    private static async Task<string> RequestToEndAsync(Stream stream, string request)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (IOException)
        {
            // Closed without close_notify: what was received is the answer.
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }

    /// <summary>Raw socket: sends <paramref name="hello"/>, returns every byte received until the server closes (10 s cap; only reached on failure).</summary>
    private static async Task<byte[]> SendHelloAndReadToEndAsync(IPEndPoint endPoint, byte[] hello)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        await socket.SendAsync(hello, SocketFlags.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new List<byte>();
        var buffer = new byte[4096];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        return [.. received];
    }
}
