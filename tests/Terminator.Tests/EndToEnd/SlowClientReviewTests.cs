using System.Diagnostics;
using System.Text;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.EndToEnd;

/// <summary>
/// Review pass on slow clients. A request body holds a pooled upstream connection while it trickles in, so a per-read
/// timeout alone lets a few hundred 1-byte-per-second senders pin every upstream slot (slow POST / R.U.D.Y.); the body must
/// keep a minimum average rate once the grace period (the header timeout) has passed.
/// </summary>
[Collection(EndToEndTests.Name)]
public sealed class SlowClientReviewTests
{
    [Fact]
    public async Task BodyTricklingBelowMinimumRate_Gets408AndFreesTheUpstreamConnection()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new(), o => o with { HeaderTimeout = TimeSpan.FromMilliseconds(500) });
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        var clock = Stopwatch.StartNew();
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
        Task<RawResponse?> response = client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(3));
        while (!response.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            try
            {
                await client.SendAsync("x");   // well under 240 bytes/s, but never silent long enough for the idle timeout
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(response, Task.Delay(100));
        }

        Assert.Equal(408, (await response)!.Status);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(2.5));
        Assert.True(await Eventually.TrueAsync(() => terminator.Server.Upstream.ActiveCount == 0 && terminator.Server.ActiveConnections == 0));
    }

    [Fact]
    public async Task BodyAtReasonableRateAfterGracePeriod_IsForwardedWhole()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new(), o => o with { HeaderTimeout = TimeSpan.FromMilliseconds(300) });
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        // 8 pieces of 200 bytes 100 ms apart: ~2 KB/s, well over the minimum, and longer than the grace period in total.
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1600\r\n\r\n");
        for (int i = 0; i < 8; i++)
        {
            await client.SendAsync(new string((char)('a' + i), 200));
            await Task.Delay(100);
        }

        Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        RecordedRequest forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(1600, forwarded.Body.Length);
        Assert.Equal(new string('h', 200), Encoding.ASCII.GetString(forwarded.Body[1400..]));
    }

    [Fact]
    public async Task ChunkedBodyTrickling_Gets408()
    {
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, new(), o => o with { HeaderTimeout = TimeSpan.FromMilliseconds(400) });
        await using RawHttpClient client = await RawHttpClient.ConnectPlainAsync(terminator.Http);

        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        Task<RawResponse?> response = client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(3));
        for (int i = 0; i < 25 && !response.IsCompleted; i++)
        {
            try
            {
                await client.SendAsync("1\r\nx\r\n");
            }
            catch (IOException)
            {
                break;
            }

            await Task.WhenAny(response, Task.Delay(100));
        }

        Assert.Equal(408, (await response)!.Status);
    }
}
