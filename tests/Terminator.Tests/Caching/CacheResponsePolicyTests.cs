using System.Buffers;
using System.Text;
using Terminator.Caching;
using Terminator.Configuration;
using Terminator.Http;

namespace Terminator.Tests.Caching;

/// <summary>Which responses are stored, for how long, and the head that is kept for them.</summary>
public sealed class CacheResponsePolicyTests
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromSeconds(10);

    private static (bool Stored, TimeSpan Lifetime) Decide(string head, CacheOriginHeaders origin = CacheOriginHeaders.Ignore, bool requestWasHead = false)
    {
        using var response = new HttpResponseHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete, Http1ResponseParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), response, requestWasHead, out _, out _));
        bool stored = CacheResponsePolicy.TryGetLifetime(response, requestWasHead, s_ttl, origin, out TimeSpan lifetime);
        return (stored, lifetime);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(301, true)]
    [InlineData(302, true)]
    [InlineData(303, true)]
    [InlineData(307, true)]
    [InlineData(308, true)]
    [InlineData(404, true)]
    [InlineData(203, false)]
    [InlineData(410, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public void Status_OnlyTheListedOnesAreStored(int status, bool stored)
    {
        Assert.Equal(stored, Decide($"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").Stored);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nSet-Cookie: a=b\r\nContent-Length: 1\r\n\r\n")]
    [InlineData("HTTP/1.1 302 Found\r\nLocation: /x\r\nset-cookie: a=b\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n")] // close-delimited
    public void SetCookieOrUnknownOrLargeBody_NotStored(string head)
    {
        Assert.False(Decide(head).Stored);
    }

    [Fact]
    public void Ignore_StoresWhateverCacheControlSays_ForTheTtl()
    {
        Assert.Equal((true, s_ttl), Decide("HTTP/1.1 200 OK\r\nCache-Control: no-store, private, max-age=0\r\nContent-Length: 65536\r\n\r\n"));
    }

    [Theory]
    [InlineData("Cache-Control: no-store\r\n", false, 0)]
    [InlineData("Cache-Control: No-Cache\r\n", false, 0)]
    [InlineData("Cache-Control: private\r\n", false, 0)]
    [InlineData("Vary: *\r\n", false, 0)]
    [InlineData("Cache-Control: max-age=0\r\n", false, 0)]
    [InlineData("Cache-Control: public, max-age=3\r\n", true, 3)]
    [InlineData("Cache-Control: max-age=3, s-maxage=5\r\n", true, 5)]
    [InlineData("Cache-Control: max-age=3600\r\n", true, 10)]
    [InlineData("Cache-Control: max-age=abc\r\n", true, 10)]
    [InlineData("Vary: User-Agent\r\n", true, 10)]
    public void Respect_CacheControlKeepsOutOrShortens(string field, bool stored, int seconds)
    {
        (bool isStored, TimeSpan lifetime) = Decide($"HTTP/1.1 200 OK\r\n{field}Content-Length: 1\r\n\r\n", CacheOriginHeaders.Respect);
        Assert.Equal(stored, isStored);
        if (stored)
        {
            Assert.Equal(TimeSpan.FromSeconds(seconds), lifetime);
        }
    }

    [Fact]
    public void Head_StoredWithoutHopByHopAgeOrBanners_WithHsts()
    {
        using var response = new HttpResponseHead(HttpLimits.Default);
        byte[] raw = Encoding.ASCII.GetBytes("HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: https://shop.example/\r\nAge: 30\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n");
        Http1ResponseParser.TryParse(new ReadOnlySequence<byte>(raw), response, false, out _, out _);

        byte[] head = CachedResponseHead.Encode(response, new HttpResponsePolicy(stripServerHeaders: true, "max-age=60"));

        Assert.Equal("HTTP/1.1 302 Found\r\nLocation: https://shop.example/\r\nContent-Length: 0\r\nStrict-Transport-Security: max-age=60\r\n",
            Encoding.ASCII.GetString(head));
    }
}
