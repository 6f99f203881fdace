using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

public class HttpErrorResponsesTests
{
    [Theory]
    [InlineData(400, "Bad Request")]
    [InlineData(404, "Not Found")]
    [InlineData(408, "Request Timeout")]
    [InlineData(413, "Content Too Large")]
    [InlineData(414, "URI Too Long")]
    [InlineData(421, "Misdirected Request")]
    [InlineData(431, "Request Header Fields Too Large")]
    [InlineData(500, "Internal Server Error")]
    [InlineData(501, "Not Implemented")]
    [InlineData(502, "Bad Gateway")]
    [InlineData(503, "Service Unavailable")]
    [InlineData(504, "Gateway Timeout")]
    [InlineData(505, "HTTP Version Not Supported")]
    public void Get_KnownCode_WellFormedResponseWithoutBanner(int code, string reason)
    {
        string text = Encoding.ASCII.GetString(HttpErrorResponses.Get(code).Span);
        string body = $"{code} {reason}\n";
        Assert.Equal(
            $"HTTP/1.1 {code} {reason}\r\nContent-Length: {body.Length}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n{body}",
            text);
        Assert.DoesNotContain("\r\nServer:", text, StringComparison.OrdinalIgnoreCase);

        // The bytes must be a response our own parser accepts with exactly the advertised body.
        using var head = new HttpResponseHead(HttpLimits.Default);
        var buffer = new System.Buffers.ReadOnlySequence<byte>(HttpErrorResponses.Get(code));
        Assert.Equal(HttpParseResult.Complete, Http1ResponseParser.TryParse(buffer, head, false, out SequencePosition consumed, out _));
        Assert.Equal(code, head.StatusCode);
        Assert.Equal(buffer.Slice(consumed).Length, head.ContentLength);
        Assert.False(head.KeepAlive);
    }

    [Fact]
    public void Get_SameCodeTwice_SameStaticBytes()
    {
        Assert.True(HttpErrorResponses.Get(502).Span == HttpErrorResponses.Get(502).Span);
    }

    [Fact]
    public void Get_UnknownCode_Falls_BackTo500()
    {
        Assert.True(HttpErrorResponses.Get(418).Span.SequenceEqual(HttpErrorResponses.Get(500).Span));
    }

    [Theory]
    [InlineData(RequestRejectionReason.RequestTargetTooLong, 414)]
    [InlineData(RequestRejectionReason.HeadersTooLarge, 431)]
    [InlineData(RequestRejectionReason.TooManyHeaders, 431)]
    [InlineData(RequestRejectionReason.UnsupportedHttpVersion, 505)]
    [InlineData(RequestRejectionReason.InvalidRequestLine, 400)]
    [InlineData(RequestRejectionReason.ContentLengthAndTransferEncoding, 400)]
    [InlineData(RequestRejectionReason.UnsupportedTransferEncoding, 400)]
    [InlineData(RequestRejectionReason.MissingHost, 400)]
    public void ToStatusCode_Reason_MapsToStatus(object reason, int status)
    {
        Assert.Equal(status, ((RequestRejectionReason)reason).ToStatusCode());
    }
}
