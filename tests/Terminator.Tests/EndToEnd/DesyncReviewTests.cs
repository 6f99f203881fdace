using System.Text;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Review pass on request/response desynchronisation: nothing after an error is parsed, a response the client did not get
/// whole never leaves a reusable connection, and every framing edge (HEAD, 1xx, Connection: close, pipelined bodies)
/// keeps both sides in step.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class DesyncReviewTests
{
    [Fact]
    public async Task PipelinedRequestAfter400_NeverParsedNorForwarded()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(400, (await client.ReadResponseAsync())!.Status);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));   // no second response: closed right after
        Assert.Empty(upstream.Requests);
        Assert.Equal(0L, terminator.Server.Metrics.Requests);
    }

    [Fact]
    public async Task PipelinedRequestAfter502_NeverForwarded()
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            await c.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokx");   // ambiguous framing
            await c.WaitForCloseAsync();
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync())!.Status);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(upstream.Heads);
    }

    [Fact]
    public async Task UpstreamResetMidBody_ClientSeesTruncationAndClose_NextPipelinedRequestNotServed()
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            await c.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
            await Task.Delay(50);
            c.Reset();
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");

        await Assert.ThrowsAsync<IOException>(() => client.ReadResponseAsync());   // "closed inside a body"
        Assert.Single(upstream.Heads);
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Upstream.ActiveCount == 0 && terminator.Server.Upstream.IdleCount == 0));
    }

    [Fact]
    public async Task HeadResponseWithContentLength_NoBodyExpected_ConnectionsStayInStep()
    {
        await using var upstream = new RecordingUpstream();   // answers HEAD with Content-Length: 2 and no body
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("HEAD /q/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /q/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse? head = await client.ReadResponseAsync(requestWasHead: true);
        RawResponse? get = await client.ReadResponseAsync();

        Assert.Equal(200, head!.Status);
        Assert.Equal("2", head.Header("Content-Length"));
        Assert.Equal("ok", get!.BodyText);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Fact]
    public async Task UpstreamConnectionClose_RetiresUpstreamConnection_ClientStaysKeepAlive()
    {
        // A sloppy upstream that says "close" but keeps the socket open: the terminator must still never reuse it.
        await using var upstream = new ScriptedUpstream(async c =>
        {
            while (await c.ReadRequestAsync() is not null)
            {
                await c.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            }
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync("GET /q HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse? response = await client.ReadResponseAsync();
            Assert.Equal("ok", response!.BodyText);
            Assert.Null(response.Header("Connection"));
        }

        Assert.Equal(3, upstream.ConnectionCount);
        Assert.Equal(0, terminator.Server.Upstream.IdleCount);
    }

    [Fact]
    public async Task PipelinedRequestsWithBodies_ForwardedInOrderWithExactBodies()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync(
            "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
            "POST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
            "GET /c HTTP/1.1\r\nHost: a\r\n\r\n");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        RecordedRequest[] forwarded = [.. upstream.Requests];
        Assert.Equal(["POST /a HTTP/1.1", "POST /b HTTP/1.1", "GET /c HTTP/1.1"], forwarded.Select(r => r.RequestLine));
        Assert.Equal("hello", Encoding.ASCII.GetString(forwarded[0].Body));
        Assert.Equal("3\r\nabc\r\n0\r\n\r\n", Encoding.ASCII.GetString(forwarded[1].Body));
        Assert.Empty(forwarded[2].Body);
    }

    [Fact]
    public async Task ExpectContinue_ClientGetsExactlyOne100_UpstreamsOwn100Dropped()
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            while (await c.ReadRequestAsync() is string head)
            {
                await c.SendAsync(head.StartsWith("POST", StringComparison.Ordinal)
                    ? "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("POST /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
        Assert.Equal(100, (await client.ReadResponseAsync())!.Status);   // before any body byte was sent
        await client.SendAsync("data");

        Assert.Equal(201, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync("GET /b HTTP/1.1\r\nHost: a\r\n\r\n");   // both connections are still in step
        Assert.Equal("ok", (await client.ReadResponseAsync())!.BodyText);
        Assert.Equal(1, upstream.ConnectionCount);
    }

    [Theory]
    [InlineData("1.1", true)]
    [InlineData("1.0", false)]
    public async Task EarlyHints103_RelayedToHttp11ClientsOnly(string version, bool relayed)
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            await c.SendAsync("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            await c.WaitForCloseAsync();
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync($"GET /a HTTP/{version}\r\nHost: a\r\n\r\n");
        RawResponse? first = await client.ReadResponseAsync();

        Assert.Equal(relayed ? 103 : 200, first!.Status);
        if (relayed)
        {
            Assert.Equal("</s.css>; rel=preload", first.Header("Link"));
            Assert.Equal("ok", (await client.ReadResponseAsync())!.BodyText);
        }
    }

    [Fact]
    public async Task Upstream101_Gets502_NotRelayed()
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            await c.SendAsync("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x05hello");
            await c.WaitForCloseAsync();
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync())!.Status);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
    }
}
