using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Review pass on the retry rule: exactly one retry, on a fresh connection, only for an idempotent request without a body
/// whose reused pooled connection died before any response byte. Both sides are proven: retried when allowed, never
/// otherwise (a duplicated POST is a duplicated side effect).
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class RetryReviewTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    /// <summary>Connection 0 answers its first request, then resets on the second (the keep-alive race); later connections
    /// answer everything unless <paramref name="freshAlsoDies"/>.</summary>
    private static ScriptedUpstream DiesOnSecondRequest(bool freshAlsoDies = false, string? partialResponse = null) => new(async c =>
    {
        if (c.Index > 0 && freshAlsoDies)
        {
            await c.ReadRequestAsync();
            c.Reset();
            return;
        }

        for (int served = 0; await c.ReadRequestAsync() is not null; served++)
        {
            if (c.Index == 0 && served == 1)
            {
                if (partialResponse is not null)
                {
                    await c.SendAsync(partialResponse);
                    await Task.Delay(50);
                }

                c.Reset();
                return;
            }

            await c.SendAsync(Ok);
        }
    });

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task ReusedConnectionDiesBeforeResponse_IdempotentRequestRetriedOnceOnFreshConnection(string method)
    {
        await using ScriptedUpstream upstream = DiesOnSecondRequest();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync($"{method} /q/2 HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse? response = await client.ReadResponseAsync(requestWasHead: method == "HEAD");

        Assert.Equal(200, response!.Status);
        Assert.Equal(2, upstream.ConnectionCount);
        Assert.Equal(3, upstream.Heads.Count);
        Assert.Equal(1, terminator.Server.Metrics.UpstreamRetries);
    }

    [Theory]
    [InlineData("POST /q/2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")]
    [InlineData("POST /q/2 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")]      // no body, but not idempotent
    [InlineData("GET /q/2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")]    // idempotent, but has a body
    [InlineData("PATCH /q/2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n")]
    public async Task ReusedConnectionDiesBeforeResponse_NonRetriableRequestGets502AndIsSentOnce(string request)
    {
        await using ScriptedUpstream upstream = DiesOnSecondRequest();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync(request);

        Assert.Equal(502, (await client.ReadResponseAsync())!.Status);
        Assert.True(await client.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, upstream.ConnectionCount);
        Assert.Equal(2, upstream.Heads.Count);
        Assert.Equal(0, terminator.Server.Metrics.UpstreamRetries);
    }

    [Fact]
    public async Task RetryAlsoDies_Gets502_NoSecondRetry()
    {
        await using ScriptedUpstream upstream = DiesOnSecondRequest(freshAlsoDies: true);
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync("GET /q/2 HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync())!.Status);
        Assert.Equal(2, upstream.ConnectionCount);
        Assert.Equal(3, upstream.Heads.Count);
        Assert.Equal(1, terminator.Server.Metrics.UpstreamRetries);
    }

    [Fact]
    public async Task FreshConnectionDiesBeforeResponse_NotRetried()
    {
        await using var upstream = new ScriptedUpstream(async c =>
        {
            await c.ReadRequestAsync();
            c.Reset();
        });
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync())!.Status);
        Assert.Equal(1, upstream.ConnectionCount);
        Assert.Equal(0, terminator.Server.Metrics.UpstreamRetries);
    }

    [Fact]
    public async Task ReusedConnectionDiesAfterPartialResponse_NotRetried()
    {
        await using ScriptedUpstream upstream = DiesOnSecondRequest(partialResponse: "HTTP/1.1 200 O");
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new());
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        await client.SendAsync("GET /q/2 HTTP/1.1\r\nHost: a\r\n\r\n");

        Assert.Equal(502, (await client.ReadResponseAsync())!.Status);
        Assert.Equal(1, upstream.ConnectionCount);
        Assert.Equal(0, terminator.Server.Metrics.UpstreamRetries);
    }
}
