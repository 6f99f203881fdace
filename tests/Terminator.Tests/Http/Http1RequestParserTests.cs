using System.Buffers;
using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

public partial class Http1RequestParserTests
{
    private static (HttpParseResult Result, RequestRejectionReason Reason, long Consumed) Parse(
        string raw, HttpRequestHead head)
    {
        var buffer = new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(raw));
        HttpParseResult result = Http1RequestParser.TryParse(buffer, head, out SequencePosition consumed, out RequestRejectionReason reason);
        return (result, reason, buffer.Slice(0, consumed).Length);
    }

    private static RequestRejectionReason Reject(string raw, HttpLimits? limits = null)
    {
        using var head = new HttpRequestHead(limits ?? HttpLimits.Default);
        (HttpParseResult result, RequestRejectionReason reason, _) = Parse(raw, head);
        Assert.Equal(HttpParseResult.Error, result);
        return reason;
    }

    private static HttpRequestHead Accept(string raw)
    {
        var head = new HttpRequestHead(HttpLimits.Default);
        (HttpParseResult result, RequestRejectionReason reason, long consumed) = Parse(raw, head);
        Assert.Equal(RequestRejectionReason.None, reason);
        Assert.Equal(HttpParseResult.Complete, result);
        Assert.Equal(raw.Length, consumed);
        return head;
    }

    private static string Str(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    [Fact]
    public void TryParse_ClickRequest_FillsHead()
    {
        using HttpRequestHead head = Accept(HttpSamples.ClickRequest);
        Assert.Equal("GET", Str(head.Method));
        Assert.Equal("/f/a1B2c3D4e5F6g7H8i9J0?u=kX9&l=3", Str(head.Target));
        Assert.Equal(1, head.VersionMinor);
        Assert.Equal("Click.Example-Customer.com", Str(head.Host));
        Assert.Equal(16, head.HeaderCount);
        Assert.Equal("User-Agent", Str(head.GetName(6)));
        Assert.Equal(HttpSamples.ClickUserAgent, Str(head.GetValue(6)));
        Assert.Equal(BodyFraming.None, head.Framing);
        Assert.Equal(-1, head.ContentLength);
        Assert.True(head.KeepAlive);
        Assert.True(head.IsIdempotent);
        Assert.False(head.IsHead);
        Assert.False(head.ExpectContinue);
    }

    [Fact]
    public void TryParse_EverySplitPosition_SameResult()
    {
        byte[] data = HttpSamples.ClickRequestBytes;
        using var head = new HttpRequestHead(HttpLimits.Default);
        for (int split = 0; split <= data.Length; split++)
        {
            ReadOnlySequence<byte> buffer = SegmentedBuffer.Create(data, split);
            Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(buffer, head, out SequencePosition consumed, out _));
            Assert.Equal(data.Length, buffer.Slice(0, consumed).Length);
            Assert.Equal(HttpSamples.ClickUserAgent, Str(head.GetValue(6)));
            Assert.Equal("Click.Example-Customer.com", Str(head.Host));
        }
    }

    [Fact]
    public void TryParse_OneBytePerSegmentAndGrowingPrefix_IncompleteUntilLastByte()
    {
        byte[] data = HttpSamples.ClickRequestBytes;
        using var head = new HttpRequestHead(HttpLimits.Default);
        for (int length = 0; length < data.Length; length++)
        {
            ReadOnlySequence<byte> prefix = SegmentedBuffer.OneBytePerSegment(data).Slice(0, length);
            Assert.Equal(HttpParseResult.Incomplete, Http1RequestParser.TryParse(prefix, head, out SequencePosition consumed, out _));
            Assert.Equal(prefix.Start, consumed);
        }

        ReadOnlySequence<byte> all = SegmentedBuffer.OneBytePerSegment(data);
        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(all, head, out SequencePosition end, out _));
        Assert.Equal(all.End, end);
        Assert.Equal("/f/a1B2c3D4e5F6g7H8i9J0?u=kX9&l=3", Str(head.Target));
    }

    [Fact]
    public void TryParse_PipelinedRequests_ConsumesOneAtATime()
    {
        const string first = "GET /q/1 HTTP/1.1\r\nHost: a\r\n\r\n";
        const string second = "POST /f/2 HTTP/1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\n";
        const string third = "HEAD /q/3 HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n";
        byte[] data = SegmentedBuffer.Ascii(first + second + "abc" + third);
        ReadOnlySequence<byte> buffer = SegmentedBuffer.Create(data, 7, first.Length + 5, data.Length - 4);
        using var head = new HttpRequestHead(HttpLimits.Default);

        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(buffer, head, out SequencePosition consumed, out _));
        Assert.Equal(first.Length, buffer.Slice(0, consumed).Length);
        Assert.Equal("a", Str(head.Host));

        buffer = buffer.Slice(consumed);
        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(buffer, head, out consumed, out _));
        Assert.Equal(second.Length, buffer.Slice(0, consumed).Length);
        Assert.Equal("POST", Str(head.Method));
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(3, head.ContentLength);
        Assert.False(head.IsIdempotent);

        buffer = buffer.Slice(consumed).Slice(3);
        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(buffer, head, out consumed, out _));
        Assert.Equal(buffer.End, consumed);
        Assert.True(head.IsHead);
        Assert.False(head.KeepAlive);
        Assert.Equal("c", Str(head.Host));
    }

    [Theory]
    [InlineData("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void TryParse_LeadingEmptyLines_Ignored(string raw)
    {
        using var head = new HttpRequestHead(HttpLimits.Default);
        (HttpParseResult result, _, long consumed) = Parse(raw, head);
        Assert.Equal(HttpParseResult.Complete, result);
        Assert.Equal(raw.Length, consumed);
        Assert.Equal("/", Str(head.Target));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r")]
    [InlineData("\r\n")]
    [InlineData("GET / HTTP/1.1\r")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r")]
    public void TryParse_PartialHead_Incomplete(string raw)
    {
        using var head = new HttpRequestHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Incomplete, Parse(raw, head).Result);
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:   chunked \t\r\n\r\n")]
    public void TryParse_ChunkedRequest_ChunkedFraming(string raw)
    {
        using HttpRequestHead head = Accept(raw);
        Assert.Equal(BodyFraming.Chunked, head.Framing);
        Assert.Equal(-1, head.ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: 42\r\n", 42)]
    [InlineData("Content-Length: 0\r\n", 0)]
    [InlineData("Content-Length: 007\r\n", 7)]
    [InlineData("Content-Length: 42\r\ncontent-length: 42\r\n", 42)]
    [InlineData("Content-Length: 42, 42,42\r\n", 42)]
    [InlineData("Content-Length: \t42 \r\n", 42)]
    public void TryParse_ValidContentLength_ContentLengthFraming(string field, long expected)
    {
        using HttpRequestHead head = Accept("POST /f/x HTTP/1.1\r\nHost: a\r\n" + field + "\r\n");
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(expected, head.ContentLength);
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: Upgrade, CLOSE\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: x-a\r\nConnection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: Keep-Alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: keep-alive, close\r\n", false)]
    public void TryParse_ConnectionTokens_KeepAlive(string version, string fields, bool keepAlive)
    {
        using HttpRequestHead head = Accept("GET / " + version + "\r\nHost: a\r\n" + fields + "\r\n");
        Assert.Equal(keepAlive, head.KeepAlive);
        Assert.Equal(version == "HTTP/1.0" ? 0 : 1, head.VersionMinor);
    }

    [Theory]
    [InlineData("click.example.com")]
    [InlineData("click.example.com:443")]
    [InlineData("[2001:db8::1]:8443")]
    [InlineData("192.0.2.1")]
    [InlineData("xn--caf-dma.example")]
    [InlineData("")]
    public void TryParse_ValidHostForms_HostByteForByte(string host)
    {
        using HttpRequestHead head = Accept("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        Assert.Equal(host, Str(head.Host));
    }

    [Fact]
    public void TryParse_Http10WithoutHost_Accepted()
    {
        using HttpRequestHead head = Accept("GET /q/x HTTP/1.0\r\n\r\n");
        Assert.True(head.Host.IsEmpty);
        Assert.Equal(0, head.HeaderCount);
    }

    [Theory]
    [InlineData("OPTIONS * HTTP/1.1", "*", "*")]
    [InlineData("GET http://a.example/f/1?x=y HTTP/1.1", "http://a.example/f/1?x=y", "/f/1?x=y")]
    [InlineData("GET HTTPS://a.example/ HTTP/1.1", "HTTPS://a.example/", "/")]
    [InlineData("GET https://A.Example:443/f HTTP/1.1", "https://A.Example:443/f", "/f")]
    [InlineData("GET http://a.example:80//x HTTP/1.1", "http://a.example:80//x", "//x")]
    [InlineData("GET http://a.example: HTTP/1.1", "http://a.example:/", "/")]
    [InlineData("GET http://a.example HTTP/1.1", "http://a.example/", "/")]
    [InlineData("GET http://a.example?x=y HTTP/1.1", "http://a.example/?x=y", "/?x=y")]
    [InlineData("GET http://a.example#f HTTP/1.1", "http://a.example/#f", "/#f")]
    [InlineData("GET /%20?q=a%26b#frag HTTP/1.1", "/%20?q=a%26b#frag", "/%20?q=a%26b#frag")]
    [InlineData("GET /f/http://b.example/ HTTP/1.1", "/f/http://b.example/", "/f/http://b.example/")]
    public void TryParse_TargetForms_Accepted(string requestLine, string target, string originForm)
    {
        using HttpRequestHead head = Accept(requestLine + "\r\nHost: a.example\r\n\r\n");
        Assert.Equal(target, Str(head.Target));
        Assert.Equal(originForm, Str(head.OriginFormTarget));
        Assert.Equal("a.example", Str(head.Host)); // Host is never rewritten
        Assert.Equal(1, head.VersionMinor);
    }

    [Fact]
    public void TryParse_AbsoluteFormWithEmptyPath_FieldsAndVersionUnaffectedByTheSlash()
    {
        using HttpRequestHead head = Accept("GET http://a.example?x HTTP/1.0\r\nHost: a.example\r\nX-A: 1\r\n\r\n");
        Assert.Equal("/?x", Str(head.OriginFormTarget));
        Assert.Equal(0, head.VersionMinor);
        Assert.Equal("X-A", Str(head.GetName(1)));
        Assert.Equal("1", Str(head.GetValue(1)));
    }

    [Theory]
    [InlineData("Click.Shop.Example:443", "Click.Shop.Example", "click.shop.example")]
    [InlineData("[2001:DB8::1]:8443", "2001:DB8::1", "2001:db8::1")]
    [InlineData("a.example.", "a.example.", "a.example")]
    public void TryParse_HostName_PortAndBracketsRemoved(string host, string hostName, string lowerCased)
    {
        using HttpRequestHead head = Accept("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        Assert.Equal(hostName, Str(head.HostName));
        Span<byte> name = stackalloc byte[HostFieldParser.MaxHostNameLength];
        Assert.True(head.TryGetHostName(name, out int length));
        Assert.Equal(lowerCased, Str(name[..length]));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: \r\n\r\n")]
    [InlineData("GET / HTTP/1.0\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: %61.example\r\n\r\n")]
    public void TryParse_NoUsableHostName_EmptyAndTryGetHostNameFalse(string raw)
    {
        using HttpRequestHead head = Accept(raw);
        Assert.False(head.TryGetHostName(stackalloc byte[HostFieldParser.MaxHostNameLength], out int length));
        Assert.Equal(0, length);
        Assert.Equal(raw.Contains("%61", StringComparison.Ordinal) ? "%61.example" : "", Str(head.HostName));
    }

    [Theory]
    [InlineData("DELETE", true)]
    [InlineData("PUT", true)]
    [InlineData("OPTIONS", true)]
    [InlineData("TRACE", true)]
    [InlineData("POST", false)]
    [InlineData("PATCH", false)]
    [InlineData("get", false)]
    public void TryParse_Methods_Idempotency(string method, bool idempotent)
    {
        using HttpRequestHead head = Accept(method + " / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(idempotent, head.IsIdempotent);
    }

    [Fact]
    public void TryParse_FieldValues_OwsTrimmedAndObsTextKept()
    {
        using HttpRequestHead head = Accept("GET / HTTP/1.1\r\nHost:a\r\nX-Empty:\r\nX-Tab: \t v a l \t\r\nX-Latin: caf\u00e9\r\nExpect: 100-Continue\r\n\r\n");
        Assert.Equal("a", Str(head.Host));
        Assert.Equal("", Str(head.GetValue(1)));
        Assert.Equal("v a l", Str(head.GetValue(2)));
        Assert.Equal("caf\u00e9", Str(head.GetValue(3)));
        Assert.True(head.ExpectContinue);
    }

    [Fact]
    public void TryParse_AfterError_HeadIsReusable()
    {
        using var head = new HttpRequestHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Error, Parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", head).Result);
        Assert.Equal(0, head.HeaderCount);
        Assert.Equal(HttpParseResult.Complete, Parse("GET /x HTTP/1.1\r\nHost: c\r\n\r\n", head).Result);
        Assert.Equal("c", Str(head.Host));
    }
}
