using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Domain fronting across customers: a TLS connection set up for one customer's name (its certificate) must not carry
/// requests for another customer's tracking domain. The Host is checked against the names the served certificate
/// covers, and a mismatch gets 421 Misdirected Request (RFC 9110 §15.5.20) with nothing forwarded.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class MisdirectedRequestTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0021.tracking.test";
    private const string OtherCustomer = "site0022.tracking.test";

    [Fact]
    public async Task HostOfAnotherCustomer_421AndNothingForwarded()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {OtherCustomer}\r\n\r\n");
        RawResponse response = (await client.ReadResponseAsync())!;

        Assert.Equal(421, response.Status);
        Assert.Empty(upstream.Requests);
        Assert.Equal(1, terminator.Server.Metrics.MisdirectedRequests);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(Site)]
    [InlineData("SITE0021.Tracking.Test")]
    [InlineData(Site + ":443")]
    [InlineData(Site + ".")]
    public async Task HostTheCertificateCovers_Forwarded(string host)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {host}\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        Assert.Equal([host], Assert.Single(upstream.Requests).Values("Host"));   // Host kept byte for byte
    }

    [Fact]
    public async Task WildcardCertificate_CoversOneLabelOnly()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, "a.wild.test", ca.Root);

        await client.SendAsync("GET /f/1 HTTP/1.1\r\nHost: b.wild.test\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync("GET /f/2 HTTP/1.1\r\nHost: x.b.wild.test\r\n\r\n");
        Assert.Equal(421, (await client.ReadResponseAsync())!.Status);

        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task HostIsAnIpAddress_421()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync("GET /f/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        Assert.Equal(421, (await client.ReadResponseAsync())!.Status);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task HostCheckOff_Forwarded()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { HostCheck = false });
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {OtherCustomer}\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        Assert.Equal([OtherCustomer], Assert.Single(upstream.Requests).Values("Host"));
    }

    [Fact]
    public async Task PlainHttp_NoCertificate_NoCheck()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /f/1 HTTP/1.1\r\nHost: {OtherCustomer}\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
    }
}
