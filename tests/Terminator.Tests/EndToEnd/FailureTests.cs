using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

[Collection(EndToEndTests.Name)]
public sealed class FailureTests(CertificateAuthorityFixture ca)
{
    private const string Site = "site0100.tracking.test";

    [Fact]
    public async Task UpstreamDown_Returns502WithoutBanner()
    {
        IPEndPoint closedPort = FreePort();
        await using var terminator = TestTerminator.Start(closedPort, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal(502, response!.Status);
        Assert.Null(response.Header("Server"));
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task UpstreamStalled_Returns504AfterUpstreamTimeout()
    {
        await using var upstream = new RecordingUpstream(UpstreamBehavior.Stall);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { UpstreamTimeout = TimeSpan.FromMilliseconds(500) });
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        var clock = Stopwatch.StartNew();
        await client.SendAsync($"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal(504, response!.Status);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        Assert.Equal(1, terminator.Server.Metrics.UpstreamTimeouts);
    }

    [Fact]
    public async Task SlowHeaders_CutOffWith408AtHeaderTimeout()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { HeaderTimeout = TimeSpan.FromMilliseconds(500) });
        await using RawHttpClient client = await RawHttpClient.ConnectTlsAsync(terminator.Https, Site, ca.Root);

        await client.SendAsync($"GET /f/x HTTP/1.1\r\nHost: {Site}\r\n");   // ...and the rest never comes
        RawResponse? response = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(408, response!.Status);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task IdleKeepAliveConnection_ClosedSilentlyAtIdleTimeout()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a.test\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);

        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]   // CL.TE
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")]                // conflicting CL
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")]                 // coding other than final chunked
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n")]             // chunked not final
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n")]                      // space before colon
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n")]                                       // obs-fold
    [InlineData("GET / HTTP/1.1\r\nHost: a\nX-Bare-LF: 1\r\n\r\n")]                                                  // bare LF
    [InlineData("GET / HTTP/1.1\r\n\r\n")]                                                                           // no Host
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]                                                     // two Hosts
    [InlineData("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n")]                                                             // space in target
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n")]                                          // bad CL
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n")]         // bad chunk size
    public async Task SmugglingVector_Gets400AndNothingReachesUpstream(string request)
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates);
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync(request);
        RawResponse? response = await client.ReadResponseAsync();

        Assert.Equal(400, response!.Status);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        // A bad chunked body is only found once the head has gone upstream; nothing after it may follow.
        Assert.All(upstream.Requests, r => Assert.Empty(r.Body));
    }

    [Fact]
    public async Task OversizedHeaders_Get431_LongTarget_Gets414()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates,
            o => o with { MaxHeaderBytes = 4096, MaxRequestTargetLength = 1024 });

        await using (RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http))
        {
            await client.SendAsync($"GET / HTTP/1.1\r\nHost: a\r\nCookie: {new string('c', 8000)}\r\n\r\n");
            Assert.Equal(431, (await client.ReadResponseAsync())!.Status);
        }

        await using (RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http))
        {
            await client.SendAsync($"GET /{new string('t', 2000)} HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(414, (await client.ReadResponseAsync())!.Status);
        }

        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task TooManyConnectionsFromOneAddress_ExtraConnectionsClosed()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { MaxConnectionsPerIp = 2 });
        await using RawHttpClient first = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await using RawHttpClient second = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await first.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await first.ReadResponseAsync())!.Status);

        // The third is reset right after accept; the RST can even beat the client's connect completion.
        try
        {
            await using RawHttpClient third = await RawHttpClient.ConnectPlainAsync(terminator.Http);
            Assert.True(await third.WaitForCloseAsync(TimeSpan.FromSeconds(5)));
        }
        catch (SocketException)
        {
        }

        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Metrics.ConnectionsRejectedByLimit > 0), "the third connection was not counted as rejected");
        Assert.Equal(1, terminator.Server.Metrics.ConnectionsRejectedByLimit);
        await second.SendAsync("GET /q/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await second.ReadResponseAsync())!.Status);
    }

    [Fact]
    public async Task Drain_InFlightRequestFinishes_IdleConnectionClosed()
    {
        await using var upstream = new RecordingUpstream(UpstreamBehavior.Stall);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, ca.Certificates, o => o with { UpstreamTimeout = TimeSpan.FromMilliseconds(800) });
        await using RawHttpClient idle = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await using RawHttpClient busy = await RawHttpClient.ConnectPlainAsync(terminator.Http);
        await busy.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.True(await Eventually.TrueAsync(() => !upstream.Requests.IsEmpty), "the request never reached the upstream");

        Task<bool> stop = terminator.Server.StopAsync(TimeSpan.FromSeconds(5));

        Assert.True(await idle.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        RawResponse? response = await busy.ReadResponseAsync();
        Assert.Equal(504, response!.Status);           // the in-flight request ran to its own end
        Assert.True(await stop);
        await Assert.ThrowsAnyAsync<SocketException>(() => RawHttpClient.ConnectPlainAsync(terminator.Http));
    }

    private static IPEndPoint FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }
}
