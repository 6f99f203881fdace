using System.Text;
using Terminator.Samples.Origin;

namespace Terminator.Tests.Origin;

public sealed class OriginRequestParserTests
{
    private static OriginParseStatus Parse(string head, out bool keepAlive, out bool isHead, out long contentLength, out string target)
    {
        OriginParseStatus status = OriginRequestParser.TryParse(Encoding.Latin1.GetBytes(head), out OriginRequestHead request);
        (keepAlive, isHead, contentLength, target) = (request.KeepAlive, request.IsHead, request.ContentLength, Encoding.ASCII.GetString(request.Target));
        return status;
    }

    [Theory]
    [InlineData("GET /q/1 HTTP/1.1\r\nHost: a", true)]
    [InlineData("GET /q/1 HTTP/1.1", true)]
    [InlineData("GET /q/1 HTTP/1.1\r\nConnection: close", false)]
    [InlineData("GET /q/1 HTTP/1.1\r\nconnection:CLOSE", false)]
    [InlineData("GET /q/1 HTTP/1.1\r\nConnection: upgrade, close", false)]
    [InlineData("GET /q/1 HTTP/1.1\r\nConnection: closed", true)]
    [InlineData("GET /q/1 HTTP/1.0", false)]
    [InlineData("GET /q/1 HTTP/1.0\r\nConnection: keep-alive", true)]
    [InlineData("GET /q/1 HTTP/1.0\r\nConnection: keep-alive, close", false)]
    public void TryParse_ConnectionPersistence_FollowsRfc9112(string head, bool expectedKeepAlive)
    {
        Assert.Equal(OriginParseStatus.Ok, Parse(head, out bool keepAlive, out _, out _, out _));
        Assert.Equal(expectedKeepAlive, keepAlive);
    }

    [Fact]
    public void TryParse_HeadWithRepeatedEqualContentLength_Ok()
    {
        Assert.Equal(OriginParseStatus.Ok, Parse("HEAD /f/x?target=a HTTP/1.1\r\nContent-Length: 7\r\ncontent-length:7 ", out _, out bool isHead, out long length, out string target));
        Assert.True(isHead);
        Assert.Equal(7, length);
        Assert.Equal("/f/x?target=a", target);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET")]
    [InlineData("GET /q/1")]
    [InlineData(" GET /q/1 HTTP/1.1")]
    [InlineData("GET /q/1 HTTP/1.1 ")]
    [InlineData("GET /q/\x01 HTTP/1.1")]
    [InlineData("GET /q/\u00e9 HTTP/1.1")]
    [InlineData("GET * HTTP/1.1")]
    [InlineData("GET /q/1 http/1.1")]
    [InlineData("GET /q/1 HTTP/1.1\r\n: empty-name")]
    [InlineData("GET /q/1 HTTP/1.1\r\n\tfolded: x")]
    [InlineData("GET /q/1 HTTP/1.1\r\nContent-Length: -1")]
    [InlineData("GET /q/1 HTTP/1.1\r\nContent-Length: 1234567890123456789")]
    [InlineData("GET /q/1 HTTP/1.1\r\nContent-Length:")]
    [InlineData("GET /q/1 HTTP/1.1\r\nTransfer-Encoding: identity")]
    [InlineData("GET /q/1 HTTP/1.1\r\nX: a\0b")]
    public void TryParse_Malformed_Rejected(string head) =>
        Assert.Equal(OriginParseStatus.Malformed, Parse(head, out _, out _, out _, out _));
}
