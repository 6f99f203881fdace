using System.Buffers;
using Terminator.Http;

namespace Terminator.Tests.Http;

/// <summary>A head's bytes are rented per message, sized to it, and given back: nothing is held between messages.</summary>
public class HttpHeadStorageTests
{
    private static readonly byte[] s_response = SegmentedBuffer.Ascii(
        "HTTP/1.1 302 Found\r\nLocation: https://shop.example/landing\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\n");

    [Fact]
    public void RequestHead_BeforeParse_HoldsNothing()
    {
        using var request = new HttpRequestHead(HttpLimits.Default);

        Assert.False(request.Storage.IsHoldingBuffer);
        Assert.Equal(0, request.HeaderCount);
        Assert.True(request.Method.IsEmpty);
    }

    [Fact]
    public void RequestHead_Parsed_HoldsACopySizedToTheHeadUntilReset()
    {
        using var request = new HttpRequestHead(HttpLimits.Default with { MaxHeaderBytes = 1024 * 1024 });

        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(new ReadOnlySequence<byte>(HttpSamples.ClickRequestBytes), request, out _, out _));
        Assert.True(request.Storage.IsHoldingBuffer);
        Assert.Equal(HttpSamples.ClickRequestBytes.Length, request.Storage.Buffer.Length); // not the 1 MiB limit
        Assert.Equal("GET"u8, request.Method);

        request.Reset();

        Assert.False(request.Storage.IsHoldingBuffer);
        Assert.Equal(0, request.HeaderCount);
        Assert.True(request.Method.IsEmpty);
    }

    [Fact]
    public void RequestHead_IncompleteOrRejected_HoldsNothing()
    {
        using var request = new HttpRequestHead(HttpLimits.Default);

        Assert.Equal(HttpParseResult.Incomplete, Http1RequestParser.TryParse(
            new ReadOnlySequence<byte>(SegmentedBuffer.Ascii("GET / HTTP/1.1\r\nHost: a.example\r\n")), request, out _, out _));
        Assert.False(request.Storage.IsHoldingBuffer);

        Assert.Equal(HttpParseResult.Error, Http1RequestParser.TryParse(
            new ReadOnlySequence<byte>(SegmentedBuffer.Ascii("GET / HTTP/1.1\r\nHost: a.example\r\n folded\r\n\r\n")), request, out _, out _));
        Assert.False(request.Storage.IsHoldingBuffer);
    }

    [Fact]
    public void ResponseHead_ReleaseFields_KeepsWhatTheBodyRelayReads()
    {
        using var response = new HttpResponseHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete, Http1ResponseParser.TryParse(new ReadOnlySequence<byte>(s_response), response, requestWasHead: false, out _, out _));
        Assert.Equal("Found"u8, response.ReasonPhrase);

        response.ReleaseFields();

        Assert.False(response.Storage.IsHoldingBuffer);
        Assert.Equal(302, response.StatusCode);
        Assert.Equal(BodyFraming.ContentLength, response.Framing);
        Assert.Equal(7, response.ContentLength);
        Assert.True(response.KeepAlive);
        Assert.Equal(0, response.HeaderCount);
        Assert.True(response.ReasonPhrase.IsEmpty);
    }

    [Fact]
    public void ConnectionNominatedField_StillHopByHop()
    {
        using var request = new HttpRequestHead(HttpLimits.Default);
        byte[] head = SegmentedBuffer.Ascii("GET / HTTP/1.1\r\nHost: a.example\r\nConnection: x-secret\r\nX-Secret: 1\r\nAccept: */*\r\n\r\n");

        Assert.Equal(HttpParseResult.Complete, Http1RequestParser.TryParse(new ReadOnlySequence<byte>(head), request, out _, out _));

        Assert.Equal(4, request.HeaderCount);
        Assert.Equal(HeaderKind.Host, request.Storage.GetKind(0));
        Assert.False(request.Storage.IsHopByHop(0));
        Assert.True(request.Storage.IsHopByHop(1)); // Connection itself
        Assert.True(request.Storage.IsHopByHop(2)); // named by Connection
        Assert.False(request.Storage.IsHopByHop(3));
    }
}
