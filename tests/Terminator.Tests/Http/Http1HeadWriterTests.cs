using System.Buffers;
using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

public class Http1HeadWriterTests
{
    private static HttpRequestHead ParseRequest(string raw)
    {
        var head = new HttpRequestHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete,
            Http1RequestParser.TryParse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(raw)), head, out _, out RequestRejectionReason reason));
        Assert.Equal(RequestRejectionReason.None, reason);
        return head;
    }

    private static HttpResponseHead ParseResponse(string raw)
    {
        var head = new HttpResponseHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete,
            Http1ResponseParser.TryParse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(raw)), head, false, out _, out _));
        return head;
    }

    private static string WriteRequest(HttpRequestHead head, string client = "203.0.113.7", string proto = "https",
        ForwardedHeadersMode mode = ForwardedHeadersMode.Replace)
    {
        var output = new ArrayBufferWriter<byte>(16); // small on purpose: the writer must ask for what it needs
        Http1HeadWriter.WriteRequest(output, head, SegmentedBuffer.Ascii(client), SegmentedBuffer.Ascii(proto), mode);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    private static string WriteResponse(HttpResponseHead head, bool close)
    {
        var output = new ArrayBufferWriter<byte>(16);
        Http1HeadWriter.WriteResponse(output, head, close);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    [Fact]
    public void WriteRequest_ClickRequest_ExactBytes()
    {
        using HttpRequestHead head = ParseRequest(HttpSamples.ClickRequest);
        string expected = HttpSamples.ClickRequest
            .Replace("Connection: keep-alive\r\n", "", StringComparison.Ordinal)
            .Replace("\r\n\r\n", "\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n", StringComparison.Ordinal);
        string written = WriteRequest(head);
        Assert.Equal(expected, written);
        Assert.Contains("\r\nHost: Click.Example-Customer.com\r\n", written, StringComparison.Ordinal);
        Assert.Contains("\r\nUser-Agent: " + HttpSamples.ClickUserAgent + "\r\n", written, StringComparison.Ordinal);
        Assert.Contains("\r\nUpgrade-Insecure-Requests: 1\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRequest_AppendMode_HopByHopAndForwardedFields_RewrittenExactly()
    {
        using HttpRequestHead head = ParseRequest(
            "GET /f/x?a=%20b HTTP/1.0\r\n" +
            "Host: A.Example:443\r\n" +
            "Connection: Keep-Alive, X-Secret, content-length, HOST\r\n" +
            "X-Secret: s\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "Proxy-Connection: keep-alive\r\n" +
            "TE: trailers\r\n" +
            "Trailer: X-Sum\r\n" +
            "Upgrade: h2c\r\n" +
            "X-Forwarded-For: 10.0.0.1\r\n" +
            "X-Forwarded-Proto: http\r\n" +
            "x-forwarded-for: 10.0.0.2 , 2001:db8::1\r\n" +
            "X-Forwarded-For:\r\n" +
            "Content-Length: 0\r\n" +
            "connection: x-other\r\n" +
            "X-Other: o\r\n" +
            "User-Agent:   Weird UA\t(1.0)  \r\n" +
            "\r\n");
        Assert.Equal(
            "GET /f/x?a=%20b HTTP/1.1\r\n" +
            "Host: A.Example:443\r\n" +
            "Content-Length: 0\r\n" +
            "User-Agent: Weird UA\t(1.0)\r\n" +
            "X-Forwarded-For: 10.0.0.1, 10.0.0.2 , 2001:db8::1, 198.51.100.9\r\n" +
            "X-Forwarded-Proto: https\r\n" +
            "\r\n",
            WriteRequest(head, "198.51.100.9", mode: ForwardedHeadersMode.Append));
    }

    private const string ForwardingFields =
        "X-Forwarded-For: 10.0.0.1\r\n" +
        "Forwarded: for=10.0.0.1;host=evil.example\r\n" +
        "X-Forwarded-Host: evil.example\r\n" +
        "x-forwarded-port: 8443\r\n" +
        "X-REAL-IP: 10.0.0.1\r\n" +
        "x_forwarded_for: 10.0.0.2\r\n" +
        "X_Real_IP: 10.0.0.3\r\n" +
        "X_Forwarded_Proto: https\r\n" +
        "X-Forwarded-Fox: kept\r\n" +
        "Forwarded-For: kept\r\n";

    [Fact]
    public void WriteRequest_ReplaceMode_ClientForwardingFieldsRemoved_PeerAloneInXForwardedFor()
    {
        using HttpRequestHead head = ParseRequest("GET /o/1 HTTP/1.1\r\nHost: a\r\n" + ForwardingFields + "Accept: */*\r\n\r\n");
        Assert.Equal(
            "GET /o/1 HTTP/1.1\r\nHost: a\r\nX-Forwarded-Fox: kept\r\nForwarded-For: kept\r\nAccept: */*\r\n" +
            "X-Forwarded-For: 2001:db8::7\r\nX-Forwarded-Proto: http\r\n\r\n",
            WriteRequest(head, "2001:db8::7", "http"));
    }

    [Fact]
    public void WriteRequest_AppendMode_ForwardingFieldsPassThrough_UnderscoreSpellingMergedIntoXForwardedFor()
    {
        using HttpRequestHead head = ParseRequest("GET /o/1 HTTP/1.1\r\nHost: a\r\n" + ForwardingFields + "\r\n");
        Assert.Equal(
            "GET /o/1 HTTP/1.1\r\nHost: a\r\n" +
            "Forwarded: for=10.0.0.1;host=evil.example\r\nX-Forwarded-Host: evil.example\r\nx-forwarded-port: 8443\r\n" +
            "X-REAL-IP: 10.0.0.1\r\nX_Real_IP: 10.0.0.3\r\nX-Forwarded-Fox: kept\r\nForwarded-For: kept\r\n" +
            "X-Forwarded-For: 10.0.0.1, 10.0.0.2, 192.0.2.1\r\nX-Forwarded-Proto: https\r\n\r\n",
            WriteRequest(head, "192.0.2.1", mode: ForwardedHeadersMode.Append));
    }

    [Fact]
    public void WriteRequest_AppendMode_ForwardingFieldNamedInConnection_DroppedAsHopByHop()
    {
        // RFC 9110 §7.6.1: a field the client declares connection-specific goes no further, forwarding or not.
        using HttpRequestHead head = ParseRequest("GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Real-IP\r\nX-Real-IP: 10.0.0.1\r\n\r\n");
        Assert.Equal("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 192.0.2.1\r\nX-Forwarded-Proto: https\r\n\r\n",
            WriteRequest(head, "192.0.2.1", mode: ForwardedHeadersMode.Append));
    }

    [Fact]
    public void WriteRequest_ChunkedBody_TransferEncodingKept()
    {
        using HttpRequestHead head = ParseRequest("POST /f/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(
            "POST /f/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nX-Forwarded-For: ::1\r\nX-Forwarded-Proto: https\r\n\r\n",
            WriteRequest(head, "::1"));
    }

    [Theory]
    [InlineData("http://A.example/f/x?u=1", "/f/x?u=1")]
    [InlineData("https://a.example:443?u=1", "/?u=1")]
    [InlineData("http://a.example", "/")]
    public void WriteRequest_AbsoluteForm_WrittenInOriginFormWithHostUnchanged(string target, string originForm)
    {
        using HttpRequestHead head = ParseRequest("GET " + target + " HTTP/1.1\r\nHost: A.Example\r\n\r\n");
        Assert.Equal("GET " + originForm + " HTTP/1.1\r\nHost: A.Example\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n",
            WriteRequest(head));
    }

    [Fact]
    public void WriteRequest_AppendsToExistingOutput()
    {
        using HttpRequestHead head = ParseRequest("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix"u8);
        Http1HeadWriter.WriteRequest(output, head, "1.2.3.4"u8, "https"u8);
        Assert.Equal("prefixGET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n\r\n",
            Encoding.Latin1.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WriteResponse_HopByHopRemoved_FieldsVerbatim()
    {
        using HttpResponseHead head = ParseResponse(
            "HTTP/1.0 302 Moved Temporarily\r\nLocation: https://x.example/a?b=c\r\nConnection: keep-alive, X-Internal\r\n" +
            "Keep-Alive: timeout=5\r\nX-Internal: 1\r\nContent-Length: 0\r\nSet-Cookie: a=b\r\n\r\n");
        Assert.Equal(
            "HTTP/1.1 302 Moved Temporarily\r\nLocation: https://x.example/a?b=c\r\nContent-Length: 0\r\nSet-Cookie: a=b\r\n\r\n",
            WriteResponse(head, close: false));
    }

    [Fact]
    public void WriteResponse_CloseConnection_AddsConnectionClose()
    {
        using HttpResponseHead head = ParseResponse("HTTP/1.1 200\r\nContent-Type: image/gif\r\nContent-Length: 43\r\nConnection: close\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 \r\nContent-Type: image/gif\r\nContent-Length: 43\r\nConnection: close\r\n\r\n",
            WriteResponse(head, close: true));
    }

    [Fact]
    public void WriteResponse_TransferEncodingWithContentLength_ContentLengthDropped()
    {
        using HttpResponseHead head = ParseResponse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n");
        Assert.Equal("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", WriteResponse(head, close: false));
    }
}
