using System.Buffers;
using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

public class Http1ResponseParserTests
{
    private const string Redirect =
        "HTTP/1.1 302 Found\r\nLocation: https://shop.example/landing?utm_source=mail\r\nContent-Length: 0\r\n" +
        "Cache-Control: no-store\r\nSet-Cookie: t=1; Path=/; Secure\r\n\r\n";

    private static HttpParseResult Parse(string raw, HttpResponseHead head, out RequestRejectionReason reason,
        out long consumed, bool requestWasHead = false)
    {
        var buffer = new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(raw));
        HttpParseResult result = Http1ResponseParser.TryParse(buffer, head, requestWasHead, out SequencePosition position, out reason);
        consumed = buffer.Slice(0, position).Length;
        return result;
    }

    private static HttpResponseHead Accept(string raw, bool requestWasHead = false)
    {
        var head = new HttpResponseHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete, Parse(raw, head, out RequestRejectionReason reason, out long consumed, requestWasHead));
        Assert.Equal(RequestRejectionReason.None, reason);
        Assert.Equal(raw.Length, consumed);
        return head;
    }

    private static string Str(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    [Fact]
    public void TryParse_Redirect_FillsHead()
    {
        using HttpResponseHead head = Accept(Redirect);
        Assert.Equal(302, head.StatusCode);
        Assert.Equal(1, head.VersionMinor);
        Assert.Equal("Found", Str(head.ReasonPhrase));
        Assert.Equal(4, head.HeaderCount);
        Assert.Equal("Location", Str(head.GetName(0)));
        Assert.Equal("https://shop.example/landing?utm_source=mail", Str(head.GetValue(0)));
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(0, head.ContentLength);
        Assert.True(head.KeepAlive);
        Assert.False(head.IsInformational);
    }

    [Fact]
    public void TryParse_EverySplitPositionAndOneByteSegments_SameResult()
    {
        byte[] data = SegmentedBuffer.Ascii(Redirect + "trailing");
        int headLength = Redirect.Length;
        using var head = new HttpResponseHead(HttpLimits.Default);
        for (int split = 0; split <= data.Length; split++)
        {
            ReadOnlySequence<byte> buffer = SegmentedBuffer.Create(data, split);
            Assert.Equal(HttpParseResult.Complete, Http1ResponseParser.TryParse(buffer, head, false, out SequencePosition consumed, out _));
            Assert.Equal(headLength, buffer.Slice(0, consumed).Length);
            Assert.Equal(302, head.StatusCode);
        }

        ReadOnlySequence<byte> bytes = SegmentedBuffer.OneBytePerSegment(data);
        for (int length = 0; length < headLength; length++)
        {
            Assert.Equal(HttpParseResult.Incomplete, Http1ResponseParser.TryParse(bytes.Slice(0, length), head, false, out _, out _));
        }

        Assert.Equal(HttpParseResult.Complete, Http1ResponseParser.TryParse(bytes, head, false, out SequencePosition end, out _));
        Assert.Equal(headLength, bytes.Slice(0, end).Length);
        Assert.Equal("no-store", Str(head.GetValue(2)));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 43\r\n\r\n", false, BodyFraming.ContentLength, 43L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 43\r\n\r\n", true, BodyFraming.None, -1L, true)]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", false, BodyFraming.None, -1L, true)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, BodyFraming.None, -1L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, BodyFraming.Chunked, -1L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", false, BodyFraming.Chunked, -1L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", false, BodyFraming.Chunked, -1L, true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", false, BodyFraming.CloseDelimited, -1L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", false, BodyFraming.Chunked, -1L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n", false, BodyFraming.Chunked, -1L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", false, BodyFraming.CloseDelimited, -1L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\n", false, BodyFraming.ContentLength, 7L, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n", false, BodyFraming.ContentLength, 7L, true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 7\r\n\r\n", false, BodyFraming.ContentLength, 7L, false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\n", false, BodyFraming.ContentLength, 7L, true)]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", false, BodyFraming.None, -1L, true)]
    public void TryParse_Framing_PerRfc9112Section63(string raw, bool requestWasHead, object framing, long contentLength, bool keepAlive)
    {
        using HttpResponseHead head = Accept(raw, requestWasHead);
        Assert.Equal((BodyFraming)framing, head.Framing);
        Assert.Equal(contentLength, head.ContentLength);
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Theory]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", true)]
    [InlineData("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n", true)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false)]
    public void TryParse_Interim_IsInformational(string raw, bool informational)
    {
        using HttpResponseHead head = Accept(raw);
        Assert.Equal(informational, head.IsInformational);
    }

    [Theory]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 200, "")]
    [InlineData("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", 404, "")]
    [InlineData("HTTP/1.1 503 Service  Unavailable\tnow\r\nContent-Length: 0\r\n\r\n", 503, "Service  Unavailable\tnow")]
    public void TryParse_ReasonPhraseVariants_Accepted(string raw, int status, string reason)
    {
        using HttpResponseHead head = Accept(raw);
        Assert.Equal(status, head.StatusCode);
        Assert.Equal(reason, Str(head.ReasonPhrase));
    }

    [Theory]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", RequestRejectionReason.UnsupportedResponse)]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1 099 X\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1 600 X\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1 2x0 OK\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/2.0 200 OK\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1  200 OK\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("ICY 200 OK\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1 200 O\u0000K\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("\r\nHTTP/1.1 200 OK\r\n\r\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 0\n\n", RequestRejectionReason.InvalidResponseStatusLine)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", RequestRejectionReason.ObsoleteLineFolding)]
    [InlineData("HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", RequestRejectionReason.ConflictingContentLength)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    public void TryParse_Malformed_Error(string raw, object expected)
    {
        using var head = new HttpResponseHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Error, Parse(raw, head, out RequestRejectionReason reason, out _));
        Assert.Equal((RequestRejectionReason)expected, reason);
    }

    [Fact]
    public void TryParse_HeadOverLimit_HeadersTooLarge()
    {
        using var head = new HttpResponseHead(new HttpLimits { MaxHeaderBytes = 256 });
        string raw = "HTTP/1.1 200 OK\r\nSet-Cookie: " + new string('a', 300);
        Assert.Equal(HttpParseResult.Error, Parse(raw, head, out RequestRejectionReason reason, out _));
        Assert.Equal(RequestRejectionReason.HeadersTooLarge, reason);
    }

    [Fact]
    public void TryParse_TooManyFields_TooManyHeaders()
    {
        using var head = new HttpResponseHead(new HttpLimits { MaxHeaderCount = 2 });
        Assert.Equal(HttpParseResult.Error, Parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", head, out RequestRejectionReason reason, out _));
        Assert.Equal(RequestRejectionReason.TooManyHeaders, reason);
    }

    [Fact]
    public void TryParse_InterimThenFinal_ParsedInSequence()
    {
        const string interim = "HTTP/1.1 100 Continue\r\n\r\n";
        const string final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        var buffer = new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(interim + final));
        using var head = new HttpResponseHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete, Http1ResponseParser.TryParse(buffer, head, false, out SequencePosition consumed, out _));
        Assert.True(head.IsInformational);
        buffer = buffer.Slice(consumed);
        Assert.Equal(HttpParseResult.Complete, Http1ResponseParser.TryParse(buffer, head, false, out consumed, out _));
        Assert.Equal(200, head.StatusCode);
        Assert.Equal("ok", Str(buffer.Slice(consumed).ToArray()));
    }
}
