using System.Text.RegularExpressions;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// TLS session resumption as openssl s_client sees it: SslStream on Linux keeps one SSL_CTX per certificate context
/// (with no CipherSuitesPolicy), and OpenSSL's session cache and tickets on that SSL_CTX do the rest.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed partial class SessionResumptionTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0400.tracking.test";

    [Theory]
    [InlineData(false)]   // session ticket (RFC 5077)
    [InlineData(true)]    // -no_ticket: session ID and the server's session cache
    public async Task Tls12_Reconnect_EveryReconnectionResumes(bool noTicket)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        List<string> arguments = ["s_client", "-connect", $"127.0.0.1:{terminator.Https.Port}", "-servername", Site, "-tls1_2", "-reconnect"];
        if (noTicket)
        {
            arguments.Add("-no_ticket");
        }

        (int exit, string output) = await DaemonProcess.RunToolAsync("openssl", arguments, standardInput: "");

        Assert.True(exit == 0, output);
        // s_client -reconnect: one full handshake, then five reconnections offering the session.
        Assert.Single(SessionLines(output, "New, TLSv1.2"));
        Assert.Equal(5, SessionLines(output, "Reused, TLSv1.2").Count);
        Assert.Equal(6, terminator.Server.Metrics.HandshakesCompleted);
    }

    [Fact]
    public async Task Tls12_ChaCha20Reconnect_EveryReconnectionResumes()
    {
        // ChaCha20 is in OpenSSL's TLS 1.2 list only through the process-wide policy (OpenSslCipherPolicy, applied to
        // this test process by OpenSslPolicyInitializer): it both reaches the in-process server and keeps resumption.
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);

        (int exit, string output) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", $"127.0.0.1:{terminator.Https.Port}", "-servername", Site, "-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305", "-reconnect"],
            standardInput: "");

        Assert.True(exit == 0, output);
        Assert.Equal(["New, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305"], SessionLines(output, "New, TLSv1.2"));
        Assert.Equal(Enumerable.Repeat("Reused, TLSv1.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305", 5), SessionLines(output, "Reused, TLSv1.2"));
    }

    [Fact]
    public async Task Tls13_TicketFromFirstConnection_ResumesTheSecond()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        using var temp = new TempDirectory("session");
        string session = temp.PathOf("session.pem");
        // TLS 1.3 tickets arrive after the handshake: s_client must read (here: a whole response) to get one.
        string first = await RequestAsync(terminator.Https.Port, ["-sess_out", session]);
        string second = await RequestAsync(terminator.Https.Port, ["-sess_in", session]);

        Assert.Single(SessionLines(first, "New, TLSv1.3"));
        Assert.Single(SessionLines(second, "Reused, TLSv1.3"));
        Assert.Contains("HTTP/1.1 200 OK", second, StringComparison.Ordinal);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task Tls13_TicketFromAnotherContext_FullHandshakeNotFailure()
    {
        // A restart or a reloaded certificate means a new SslStreamCertificateContext, hence a new SSL_CTX whose
        // ticket key never saw the client's ticket: the client must get a full handshake, not an error.
        IssuedCertificate issued = ca.Authority.Issue([Site]);
        var otherMap = new CertificateMap();
        otherMap.Set(CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test:reloaded"));
        await using var upstream = new RecordingUpstream();
        await using var before = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using var after = TestTerminator.Start(upstream.EndPoint, otherMap);
        using var temp = new TempDirectory("session");
        string session = temp.PathOf("session.pem");
        await RequestAsync(before.Https.Port, ["-sess_out", session]);
        string output = await RequestAsync(after.Https.Port, ["-sess_in", session]);

        Assert.Single(SessionLines(output, "New, TLSv1.3"));
        Assert.Contains("HTTP/1.1 200 OK", output, StringComparison.Ordinal);
    }

    /// <summary>One TLS 1.3 connection carrying one request; -ign_eof keeps s_client reading until the server closes
    /// after the response ("Connection: close"), so the post-handshake tickets are read too.</summary>
    internal static async Task<string> RequestAsync(int port, IEnumerable<string> sessionArguments, string site = Site)
    {
        List<string> arguments = ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", site, "-tls1_3", "-ign_eof", .. sessionArguments];
        (int exit, string output) = await DaemonProcess.RunToolAsync("openssl", arguments,
            standardInput: $"GET /q/resume HTTP/1.1\r\nHost: {site}\r\nConnection: close\r\n\r\n");
        Assert.True(exit == 0, output);
        Assert.Contains("HTTP/1.1 200 OK", output, StringComparison.Ordinal);
        return output;
    }

    internal static List<string> SessionLines(string output, string prefix) =>
        [.. SessionLine().Matches(output).Select(m => m.Value).Where(line => line.StartsWith(prefix, StringComparison.Ordinal))];

    [GeneratedRegex(@"(?m)^(New|Reused), TLSv1\.[23], Cipher is \S+")]
    private static partial Regex SessionLine();
}
