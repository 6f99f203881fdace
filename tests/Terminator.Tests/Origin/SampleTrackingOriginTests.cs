using System.Net;
using System.Net.Sockets;
using System.Text;
using Terminator.Samples.Origin;

namespace Terminator.Tests.Origin;

public sealed class SampleTrackingOriginTests : IAsyncLifetime
{
    private SampleTrackingOrigin _origin = null!;

    public async Task InitializeAsync() => _origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

    public async Task DisposeAsync() => await _origin.DisposeAsync();

    private Task<RawHttpConnection> ConnectAsync() => RawHttpConnection.ConnectAsync(_origin.EndPoint);

    private static string Get(string target, string extra = "") => $"GET {target} HTTP/1.1\r\nHost: t.example\r\n{extra}\r\n";

    [Fact]
    public void Gif_Is43BytesOfGif89a()
    {
        Assert.Equal(43, SampleTrackingOrigin.Gif.Length);
        Assert.True(SampleTrackingOrigin.Gif.Span.StartsWith("GIF89a"u8));
        Assert.Equal(0x3B, SampleTrackingOrigin.Gif.Span[^1]); // GIF trailer
    }

    [Fact]
    public void StartAsync_PortZero_ReportsEphemeralPort()
    {
        Assert.NotEqual(0, _origin.EndPoint.Port);
        Assert.Equal(IPAddress.Loopback, _origin.EndPoint.Address);
    }

    [Fact]
    public async Task Redirect_PercentEncodedTargetWithQuery_ExactResponseBytes()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(Get("/f/abc123?x=1&target=https%3A%2F%2Fshop.example.com%2Fp%3Fq%3Da%2520b%26utm%3Dmail&z=2"));
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(
            "HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: https://shop.example.com/p?q=a%20b&utm=mail",
            r.Head);
        Assert.Empty(r.Body);
    }

    [Theory]
    [InlineData("http%3A%2F%2Fa.example%2F", "http://a.example/")]
    [InlineData("HTTPS://A.example/x+y", "HTTPS://A.example/x+y")]
    [InlineData("https%3a%2f%2fa.example%2f%C3%A9t%C3%A9", "https://a.example/%C3%A9t%C3%A9")]
    [InlineData("https%3A%2F%2Fa.example%2Fa%20b", "https://a.example/a%20b")]
    [InlineData("https://a.example", "https://a.example")]
    public async Task Redirect_ValidTarget_LocationIsDecodedUrl(string encoded, string expected)
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(Get("/f/1?target=" + encoded));
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(302, r.Status);
        Assert.Equal(expected, r.Header("Location"));
    }

    [Theory]
    [InlineData("/f/1")]
    [InlineData("/f/1?")]
    [InlineData("/f/1?targetx=https%3A%2F%2Fa.example")]
    [InlineData("/f/1?target=")]
    [InlineData("/f/1?target=ftp%3A%2F%2Fa.example")]
    [InlineData("/f/1?target=javascript%3Aalert(1)")]
    [InlineData("/f/1?target=https%3A%2F%2F")]
    [InlineData("/f/1?target=https%3A%2F%2F%2Fpath")]
    [InlineData("/f/1?target=https%3A%2F%2Fa.example%0D%0ASet-Cookie%3A%20x%3D1")]
    [InlineData("/f/1?target=https%3A%2F%2Fa.example%00")]
    [InlineData("/f/1?target=https%3A%2F%2Fa.example%zz")]
    [InlineData("/f/1?target=https%3A%2F%2Fa.example%4")]
    [InlineData("/f/1?target=%")]
    public async Task Redirect_MissingOrInvalidTarget_400KeepsConnection(string target)
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(Get(target) + Get("/q/after"));
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(400, r.Status);
        Assert.Null(r.Header("Location"));
        Assert.Equal(200, (await c.ReadResponseAsync()).Status); // framing was fine, so the connection lives on
    }

    [Fact]
    public async Task Pixel_Get_200WithGifAndNoStore()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(Get("/q/open-7f3a.gif?u=1"));
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(200, r.Status);
        Assert.Equal("image/gif", r.Header("Content-Type"));
        Assert.Equal("no-store, max-age=0", r.Header("Cache-Control"));
        Assert.Equal("43", r.Header("Content-Length"));
        Assert.Equal(SampleTrackingOrigin.Gif.ToArray(), r.Body);
    }

    [Fact]
    public async Task Head_Pixel_HeadersWithoutBody()
    {
        await using RawHttpConnection c = await ConnectAsync();
        // The GET after the HEAD proves no body bytes followed the HEAD response.
        await c.SendAsync("HEAD /q/x HTTP/1.1\r\nHost: t\r\n\r\nHEAD /f/x?target=http%3A%2F%2Fa.example%2F HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/nope"));
        RawHttpResponse head = await c.ReadResponseAsync(headRequest: true);
        Assert.Equal(200, head.Status);
        Assert.Equal("43", head.Header("Content-Length"));
        Assert.Equal(302, (await c.ReadResponseAsync(headRequest: true)).Status);
        RawHttpResponse next = await c.ReadResponseAsync();
        Assert.Equal(404, next.Status);
        Assert.Equal("not found\n", Encoding.ASCII.GetString(next.Body));
        Assert.Equal(0, c.PendingBytes);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1")]
    [InlineData("GET /favicon.ico HTTP/1.1")]
    [InlineData("GET /q HTTP/1.1")]
    [InlineData("GET /qq/x HTTP/1.1")]
    [InlineData("GET /F/x?target=http%3A%2F%2Fa.example HTTP/1.1")]
    [InlineData("POST /q/x HTTP/1.1")]
    [InlineData("DELETE /f/x?target=http%3A%2F%2Fa.example HTTP/1.1")]
    public async Task UnknownRouteOrMethod_404WithShortBody(string requestLine)
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(requestLine + "\r\nHost: t\r\nX-Echo: <script>\r\n\r\n");
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(404, r.Status);
        Assert.Equal("not found\n", Encoding.ASCII.GetString(r.Body));
        Assert.DoesNotContain("script", r.Head, StringComparison.Ordinal); // nothing is reflected
    }

    [Fact]
    public async Task KeepAlive_100SequentialRequests_OneConnection()
    {
        await using RawHttpConnection c = await ConnectAsync();
        for (int i = 0; i < 100; i++)
        {
            await c.SendAsync(Get(i % 2 == 0 ? $"/q/{i}" : $"/f/{i}?target=https%3A%2F%2Fa.example%2F{i}"));
            RawHttpResponse r = await c.ReadResponseAsync();
            Assert.Equal(i % 2 == 0 ? 200 : 302, r.Status);
        }

        Assert.Equal(1, _origin.ConnectionCount);
        Assert.Equal(100, _origin.RequestCount);
    }

    [Fact]
    public async Task Pipelined_ThreeRequestsInOneWrite_ThreeResponsesInOrder()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(Get("/q/1") + Get("/f/2?target=http%3A%2F%2Fb.example%2F") + Get("/zzz"));
        Assert.Equal(200, (await c.ReadResponseAsync()).Status);
        Assert.Equal("http://b.example/", (await c.ReadResponseAsync()).Header("Location"));
        Assert.Equal(404, (await c.ReadResponseAsync()).Status);
        Assert.Equal(3, _origin.RequestCount);
    }

    [Fact]
    public async Task ConnectionClose_Honoured_ServerCloses()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(Get("/q/1", "Connection: keep-alive, close\r\n"));
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(200, r.Status);
        Assert.Equal("close", r.Header("Connection"));
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Http10_WithoutKeepAlive_ClosesAfterResponse()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync("GET /q/1 HTTP/1.0\r\n\r\n");
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(200, r.Status);
        Assert.Equal("close", r.Header("Connection"));
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Http10_WithKeepAlive_StaysOpen()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync("GET /q/1 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal("keep-alive", r.Header("Connection"));
        await c.SendAsync("GET /q/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        Assert.Equal(200, (await c.ReadResponseAsync()).Status);
        Assert.Equal(1, _origin.ConnectionCount);
    }

    [Fact]
    public async Task RequestBodyWithContentLength_DiscardedAcrossWrites()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync("POST /q/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nGET /q/");
        Assert.Equal(404, (await c.ReadResponseAsync()).Status);
        await c.SendAsync("abc" + Get("/q/2")); // the 10 body bytes look like a request but must be skipped
        Assert.Equal(200, (await c.ReadResponseAsync()).Status);
        Assert.Equal(2, _origin.RequestCount);
    }

    [Theory]
    [InlineData("POST /q/1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("GET /q/1 HTTP/2.0\r\nHost: t\r\n\r\n")]
    [InlineData("GET /q/1\r\nHost: t\r\n\r\n")]
    [InlineData("GET  /q/1 HTTP/1.1\r\nHost: t\r\n\r\n")]
    [InlineData("GET q/1 HTTP/1.1\r\nHost: t\r\n\r\n")]
    [InlineData("GET /q/1 HTTP/1.1\r\nHost : t\r\n\r\n")]
    [InlineData("GET /q/1 HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n")]
    [InlineData("GET /q/1 HTTP/1.1\r\nNoColon\r\n\r\n")]
    [InlineData("GET /q/1 HTTP/1.1\r\nContent-Length: 1x\r\n\r\n")]
    [InlineData("GET /q/1 HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("GET /q/1 HTTP/1.1\r\nX: a\rb\r\n\r\n")]
    public async Task MalformedHead_400AndClose(string request)
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync(request);
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(400, r.Status);
        Assert.Equal("close", r.Header("Connection"));
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task OversizedHead_431AndClose()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync("GET /q/1 HTTP/1.1\r\nX-Big: " + new string('a', 17 * 1024) + "\r\n\r\n");
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(431, r.Status);
        Assert.True(await c.IsClosedByServerAsync());
    }

    [Fact]
    public async Task LargeHeadSplitAcrossWrites_StillServed()
    {
        await using RawHttpConnection c = await ConnectAsync();
        string request = Get("/f/1?target=https%3A%2F%2Fa.example%2F" + new string('p', 3000), "X-Pad: " + new string('b', 9000) + "\r\n");
        await c.SendAsync(request[..5000]);
        await Task.Delay(20);
        await c.SendAsync(request[5000..]);
        RawHttpResponse r = await c.ReadResponseAsync();
        Assert.Equal(302, r.Status);
        Assert.Equal("https://a.example/" + new string('p', 3000), r.Header("Location"));
    }

    [Fact]
    public async Task LeadingEmptyLines_Ignored()
    {
        await using RawHttpConnection c = await ConnectAsync();
        await c.SendAsync("\r\n\r\n" + Get("/q/1"));
        Assert.Equal(200, (await c.ReadResponseAsync()).Status);
    }

    [Fact]
    public async Task DisposeAsync_ClosesConnectionsAndStopsListening()
    {
        var origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        IPEndPoint endPoint = origin.EndPoint;
        await using RawHttpConnection idle = await RawHttpConnection.ConnectAsync(endPoint);
        await idle.SendAsync(Get("/q/1"));
        Assert.Equal(200, (await idle.ReadResponseAsync()).Status);

        Task dispose = origin.DisposeAsync().AsTask();
        Assert.Same(dispose, await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(5))));
        Assert.True(await idle.IsClosedByServerAsync());
        using var probe = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(endPoint.Address, endPoint.Port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await origin.DisposeAsync(); // idempotent
    }
}
