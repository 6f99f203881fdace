using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

/// <summary>Rejections: malformed syntax, smuggling vectors and size limits.</summary>
public partial class Http1RequestParserTests
{
    [Theory]
    [InlineData("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET /\tx HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET /\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData(" / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET x HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET * HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("CONNECT a.com:443 HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET ftp://a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET http:/a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET http:///x HTTP/1.1\r\nHost: \r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET http://:80/x HTTP/1.1\r\nHost: :80\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET http://u@a.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET http://a.com:99999/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET http://[::1/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET http://b.com/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("GET http://a.com.evil/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("GET http://a.com:8080/ HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("GET https://a.com/ HTTP/1.1\r\nHost: a.com:80\r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("GET http://a.com/ HTTP/1.1\r\nHost: a.com:443\r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("GET http://a.com/ HTTP/1.0\r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("GET http://a.com/ HTTP/1.1\r\nHost: \r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("OPTIONS http://b.com HTTP/1.1\r\nHost: a.com\r\n\r\n", RequestRejectionReason.HostMismatch)]
    [InlineData("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidMethod)]
    [InlineData("GE\u0000T / HTTP/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidMethod)]
    [InlineData("GET / http/1.1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/1\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/1.10\r\nHost: a\r\n\r\n", RequestRejectionReason.InvalidRequestLine)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", RequestRejectionReason.UnsupportedHttpVersion)]
    [InlineData("GET / HTTP/1.2\r\nHost: a\r\n\r\n", RequestRejectionReason.UnsupportedHttpVersion)]
    [InlineData("GET / HTTP/0.9\r\nHost: a\r\n\r\n", RequestRejectionReason.UnsupportedHttpVersion)]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n", RequestRejectionReason.InvalidHeaderName)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000b\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\u007fb\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\u001bb\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", RequestRejectionReason.ObsoleteLineFolding)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", RequestRejectionReason.ObsoleteLineFolding)]
    [InlineData("GET / HTTP/1.1\r\n Host: a\r\n\r\n", RequestRejectionReason.ObsoleteLineFolding)]
    [InlineData("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", RequestRejectionReason.MissingHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", RequestRejectionReason.MultipleHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: caf\u00e9.example\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a:b\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a:443:443\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: [a.example]\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a]b\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.1\r\nHost: a%zzb\r\n\r\n", RequestRejectionReason.InvalidHeaderValue)]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", RequestRejectionReason.MultipleHost)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", RequestRejectionReason.ContentLengthAndTransferEncoding)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", RequestRejectionReason.ContentLengthAndTransferEncoding)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", RequestRejectionReason.InvalidContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", RequestRejectionReason.ConflictingContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", RequestRejectionReason.ConflictingContentLength)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    [InlineData("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", RequestRejectionReason.UnsupportedTransferEncoding)]
    public void TryParse_Malformed_RejectedWithReason(string raw, object expected)
    {
        // object: xunit theories must be public, the enum is internal.
        Assert.Equal((RequestRejectionReason)expected, Reject(raw));
    }

    [Fact]
    public void TryParse_TargetLongerThanLimit_414()
    {
        var limits = new HttpLimits { MaxRequestTargetLength = 100 };
        Assert.Equal(RequestRejectionReason.RequestTargetTooLong, Reject("GET /" + new string('a', 100) + " HTTP/1.1\r\nHost: a\r\n\r\n", limits));
        using HttpRequestHead head = new(limits);
        Assert.Equal(HttpParseResult.Complete, Parse("GET /" + new string('a', 99) + " HTTP/1.1\r\nHost: a\r\n\r\n", head).Result);
    }

    [Fact]
    public void TryParse_UnterminatedHugeRequestLine_414BeforeLineEnds()
    {
        var limits = new HttpLimits { MaxRequestTargetLength = 100 };
        using var head = new HttpRequestHead(limits);
        (HttpParseResult result, RequestRejectionReason reason, _) = Parse("GET /" + new string('a', 200), head);
        Assert.Equal(HttpParseResult.Error, result);
        Assert.Equal(RequestRejectionReason.RequestTargetTooLong, reason);
    }

    [Fact]
    public void TryParse_HeadLargerThanLimit_431EvenWhenIncomplete()
    {
        var limits = new HttpLimits { MaxHeaderBytes = 1024 };
        string start = "GET / HTTP/1.1\r\nHost: a\r\nCookie: " + new string('c', 1100);
        Assert.Equal(RequestRejectionReason.HeadersTooLarge, Reject(start, limits));
        Assert.Equal(RequestRejectionReason.HeadersTooLarge, Reject(start + "\r\n\r\n", limits));
    }

    [Fact]
    public void TryParse_HeadExactlyAtLimit_Accepted()
    {
        string prefix = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
        string raw = prefix + new string('x', 1024 - prefix.Length - 4) + "\r\n\r\n";
        Assert.Equal(1024, raw.Length);
        using var head = new HttpRequestHead(new HttpLimits { MaxHeaderBytes = 1024 });
        Assert.Equal(HttpParseResult.Complete, Parse(raw, head).Result);
        Assert.Equal(RequestRejectionReason.HeadersTooLarge, Reject(raw.Insert(prefix.Length, "y"), new HttpLimits { MaxHeaderBytes = 1024 }));
    }

    [Fact]
    public void TryParse_TooManyHeaders_431()
    {
        var limits = new HttpLimits { MaxHeaderCount = 5 };
        var builder = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 4; i++)
        {
            builder.Append("X-").Append(i).Append(": v\r\n");
        }

        using (var head = new HttpRequestHead(limits))
        {
            Assert.Equal(HttpParseResult.Complete, Parse(builder + "\r\n", head).Result);
            Assert.Equal(5, head.HeaderCount);
        }

        builder.Append("X-5: v\r\n");
        Assert.Equal(RequestRejectionReason.TooManyHeaders, Reject(builder + "\r\n", limits));
        Assert.Equal(RequestRejectionReason.TooManyHeaders, Reject(builder.ToString(), limits)); // known before the head ends
    }
}
