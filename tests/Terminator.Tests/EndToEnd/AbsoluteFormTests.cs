using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Absolute-form request-targets (RFC 9112 §3.2.2) reach the tracking server in origin-form, and only when their
/// authority names the same host as the Host header; otherwise the client could make the origin route by a host its
/// connection never asked for.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class AbsoluteFormTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0012.tracking.test";

    [Theory]
    [InlineData("https://site0012.tracking.test/f/x?u=1", "/f/x?u=1")]
    [InlineData("HTTPS://SITE0012.Tracking.Test:443/f/x", "/f/x")]
    [InlineData("https://site0012.tracking.test", "/")]
    [InlineData("https://site0012.tracking.test?u=1", "/?u=1")]
    public async Task AbsoluteForm_AuthorityMatchesHost_ForwardedInOriginFormWithHostUnchanged(string target, string forwardedTarget)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync("GET " + target + " HTTP/1.1\r\nHost: Site0012.Tracking.Test\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal("GET " + forwardedTarget + " HTTP/1.1", forwarded.RequestLine);
        Assert.Equal(["Site0012.Tracking.Test"], forwarded.Values("Host"));
    }

    [Theory]
    [InlineData("http://other.example/f/x")]
    [InlineData("https://site0012.tracking.test:8443/f/x")]
    [InlineData("https://site0012.tracking.test.evil.example/f/x")]
    [InlineData("https://user@site0012.tracking.test/f/x")]
    [InlineData("https:///f/x")]
    public async Task AbsoluteForm_AuthorityDiffersFromHost_400AndNothingForwarded(string target)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync("GET " + target + " HTTP/1.1\r\nHost: " + Site + "\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal(400, response!.Status);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Empty(upstream.Requests);
    }
}
