using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Client-supplied forwarding headers at the edge: by default (TERMINATOR_FORWARDED_HEADERS=replace) the tracking
/// server sees only what the terminator itself observed, so no client can choose the recipient IP it is credited with.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class ForwardedHeadersTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0011.tracking.test";

    private const string ForgedHeaders =
        "X-Forwarded-For: 203.0.113.9\r\n" +
        "x-forwarded-for: 198.51.100.1, 10.0.0.1\r\n" +
        "Forwarded: for=203.0.113.9;proto=https;host=evil.example\r\n" +
        "X-Forwarded-Host: evil.example\r\n" +
        "X-Forwarded-Port: 8443\r\n" +
        "X-Real-IP: 203.0.113.9\r\n" +
        "X_Forwarded_For: 203.0.113.10\r\n" +
        "X-Forwarded-Proto: ftp\r\n";

    [Fact]
    public async Task DefaultReplace_ForgedForwardingHeaders_UpstreamSeesOnlyThePeer()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync("GET /o/1 HTTP/1.1\r\nHost: " + Site + "\r\n" + ForgedHeaders + "Accept: */*\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(["127.0.0.1"], forwarded.Values("X-Forwarded-For"));
        Assert.Equal(["https"], forwarded.Values("X-Forwarded-Proto"));
        foreach (string stripped in new[] { "Forwarded", "X-Forwarded-Host", "X-Forwarded-Port", "X-Real-IP", "X_Forwarded_For" })
        {
            Assert.Empty(forwarded.Values(stripped));
        }

        Assert.Equal([Site], forwarded.Values("Host"));
        Assert.Equal(["*/*"], forwarded.Values("Accept"));
    }

    [Fact]
    public async Task DefaultReplace_PlainHttp_ForgedForwardingHeadersReplaced()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a.example\r\n" + ForgedHeaders + "\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(["127.0.0.1"], forwarded.Values("X-Forwarded-For"));
        Assert.Equal(["http"], forwarded.Values("X-Forwarded-Proto"));
        Assert.Empty(forwarded.Values("Forwarded"));
        Assert.Empty(forwarded.Values("X-Real-IP"));
    }

    [Fact]
    public async Task Append_BehindTrustedProxy_ClientChainKeptPeerAppendedOthersPassThrough()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { ForwardedHeaders = ForwardedHeadersPolicy.Append });
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync("GET /o/1 HTTP/1.1\r\nHost: " + Site + "\r\n" + ForgedHeaders + "\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(["203.0.113.9, 198.51.100.1, 10.0.0.1, 203.0.113.10, 127.0.0.1"], forwarded.Values("X-Forwarded-For"));
        Assert.Equal(["https"], forwarded.Values("X-Forwarded-Proto")); // never the client's "ftp", in either mode
        Assert.Equal(["for=203.0.113.9;proto=https;host=evil.example"], forwarded.Values("Forwarded"));
        Assert.Equal(["evil.example"], forwarded.Values("X-Forwarded-Host"));
        Assert.Equal(["8443"], forwarded.Values("X-Forwarded-Port"));
        Assert.Equal(["203.0.113.9"], forwarded.Values("X-Real-IP"));
        Assert.Empty(forwarded.Values("X_Forwarded_For")); // merged into the one X-Forwarded-For line
    }
}
