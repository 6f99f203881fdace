using System.Text;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

[Collection(EndToEndTests.Name)]
public sealed class ForwardingTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0007.tracking.test";

    [Fact]
    public async Task Request_OverTls_ForwardsHostUserAgentAndForwardedHeaders_StripsHopByHop()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync(
            "GET /f/abc?target=https%3A%2F%2Fshop.example%2F HTTP/1.1\r\n" +
            "Host: Site0007.Tracking.Test\r\n" +
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64)  Weird/1.0\r\n" +
            "X-Forwarded-For: 203.0.113.9\r\n" +
            "X-Forwarded-Proto: ftp\r\n" +
            "Connection: keep-alive, X-Secret-Hop\r\n" +
            "X-Secret-Hop: drop me\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "Proxy-Connection: keep-alive\r\n" +
            "TE: trailers\r\n" +
            "Upgrade: websocket\r\n" +
            "Accept: image/gif\r\n" +
            "\r\n");
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal(200, response!.Status);
        Assert.Equal("ok", response.BodyText);
        Assert.Null(response.Header("Keep-Alive")); // hop-by-hop stripped on the way back too
        Assert.Equal("yes", response.Header("X-Upstream"));
        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal("GET /f/abc?target=https%3A%2F%2Fshop.example%2F HTTP/1.1", forwarded.RequestLine);
        Assert.Equal(["Site0007.Tracking.Test"], forwarded.Values("Host"));
        Assert.Equal(["Mozilla/5.0 (X11; Linux x86_64)  Weird/1.0"], forwarded.Values("User-Agent"));
        Assert.Equal(["127.0.0.1"], forwarded.Values("X-Forwarded-For")); // the client's claim is replaced at the edge
        Assert.Equal(["https"], forwarded.Values("X-Forwarded-Proto"));
        Assert.Equal(["image/gif"], forwarded.Values("Accept"));
        foreach (string hop in new[] { "Connection", "X-Secret-Hop", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade" })
        {
            Assert.Empty(forwarded.Values(hop));
        }
    }

    [Fact]
    public async Task Request_OnPlainHttpPort_IsProxiedWithForwardedProtoHttp()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/pixel HTTP/1.1\r\nHost: old.example\r\nUser-Agent: curl/7.88\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal(200, response!.Status);
        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(["http"], forwarded.Values("X-Forwarded-Proto"));
        Assert.Equal(["127.0.0.1"], forwarded.Values("X-Forwarded-For"));
        Assert.Equal(["old.example"], forwarded.Values("Host"));
    }

    [Fact]
    public async Task KeepAlive_ThousandSequentialRequests_ReuseAHandfulOfUpstreamConnections()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        for (int i = 0; i < 1000; i++)
        {
            await client.SendAsync($"GET /q/{i} HTTP/1.1\r\nHost: {Site}\r\n\r\n");
            RawResponse? response = await client.ReadResponseAsync();
            Assert.Equal(200, response!.Status);
        }

        Assert.Equal(1000, upstream.Requests.Count);
        Assert.True(upstream.ConnectionCount <= 2, $"{upstream.ConnectionCount} upstream connections for 1000 requests");
        Assert.Equal(1, terminator.Server.Metrics.HandshakesCompleted);
    }

    [Fact]
    public async Task Pipelining_TwoRequestsInOneWrite_AnsweredInOrder()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\n\r\nHEAD /q/2 HTTP/1.1\r\nHost: {Site}\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        RawResponse? second = await client.ReadResponseAsync(requestWasHead: true);
        Assert.Equal(200, second!.Status);
        Assert.Equal("2", second.Header("Content-Length"));
        Assert.Equal(["GET /q/1 HTTP/1.1", "HEAD /q/2 HTTP/1.1"], upstream.Requests.Select(r => r.RequestLine));
    }

    [Fact]
    public async Task RequestBody_ContentLengthAndChunked_ForwardedVerbatim()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"POST /f/form HTTP/1.1\r\nHost: {Site}\r\nContent-Length: 11\r\n\r\nhello=world");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync($"POST /f/chunk HTTP/1.1\r\nHost: {Site}\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        RecordedRequest[] requests = upstream.Requests.ToArray();
        Assert.Equal("hello=world", Encoding.ASCII.GetString(requests[0].Body));
        Assert.Equal(["chunked"], requests[1].Values("Transfer-Encoding"));
        Assert.Equal("5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n", Encoding.ASCII.GetString(requests[1].Body));
    }

    [Fact]
    public async Task ExpectContinue_ClientGets100ThenFinalResponse()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"POST /f/x HTTP/1.1\r\nHost: {Site}\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        RawResponse? interim = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10));
        Assert.Equal(100, interim!.Status);
        await client.SendAsync("data");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        Assert.Equal("data", Encoding.ASCII.GetString(Assert.Single(upstream.Requests).Body));
    }

    [Fact]
    public async Task Response_ChunkedFromUpstream_RelayedVerbatimAndConnectionKept()
    {
        await using var upstream = new RecordingUpstream(UpstreamBehavior.RespondChunked);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync($"GET /q/{i} HTTP/1.1\r\nHost: {Site}\r\n\r\n");
            RawResponse? response = await client.ReadResponseAsync();
            Assert.Equal("chunked", response!.Header("Transfer-Encoding"));
            Assert.Equal("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", response.BodyText);
        }

        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task Response_CloseDelimited_RelayedThenClientConnectionClosed()
    {
        await using var upstream = new RecordingUpstream(UpstreamBehavior.RespondAndClose);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal("close", response!.Header("Connection"));
        Assert.Equal("until-close", response.BodyText);
    }

    [Fact]
    public async Task UpstreamClosedIdleConnections_NextRequestStillSucceeds()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);
        await client.SendAsync($"GET /q/1 HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        upstream.CloseAllConnections();   // the upstream's keep-alive timeout fires while the connection sits in our pool
        // Usually lets the FIN arrive first, so the pool's idle check discards the connection; if it has not, the request
        // fails on the reused connection and is retried on a fresh one. Either way it must succeed: nothing below relies on the pause.
        await Task.Delay(100);
        await client.SendAsync($"GET /q/2 HTTP/1.1\r\nHost: {Site}\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        Assert.Equal(2, upstream.ConnectionCount);
    }

    [Fact]
    public async Task Http10Client_ConnectionClosedAfterResponse()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.0\r\nHost: a.test\r\n\r\n");

        RawResponse? response = await client.ReadResponseAsync();
        Assert.Equal(200, response!.Status);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Http10ClientAskingKeepAlive_ToldKeepAlive_AndSecondRequestOnSameConnection()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        for (int i = 0; i < 2; i++)
        {
            await client.SendAsync($"GET /q/{i} HTTP/1.0\r\nHost: a.test\r\nConnection: keep-alive\r\n\r\n");
            RawResponse? response = await client.ReadResponseAsync();
            Assert.Equal(200, response!.Status);
            // Without this an HTTP/1.0 client must assume the server closes, and waits for it (RFC 9112 §C.2.2).
            Assert.Equal("keep-alive", response.Header("Connection"));
        }
    }
}
