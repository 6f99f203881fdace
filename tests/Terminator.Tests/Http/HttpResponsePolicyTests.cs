using System.Buffers;
using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

/// <summary>
/// The response policy applied by <see cref="Http1HeadWriter"/> in its one pass over the relayed fields: Server and
/// X-Powered-By dropped (any case, any number of times), Strict-Transport-Security added once unless the upstream sent
/// its own, never on 1xx; and the terminator's own error responses with the policy's fields. Exact bytes.
/// </summary>
public class HttpResponsePolicyTests
{
    private const string Hsts = "max-age=31536000; includeSubDomains";
    private static readonly HttpResponsePolicy s_strictTls = new(stripServerHeaders: true, Hsts);

    private static string Write(string upstream, HttpResponsePolicy policy, bool close = false)
    {
        using var head = new HttpResponseHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete,
            Http1ResponseParser.TryParse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(upstream)), head, false, out _, out _));
        var output = new ArrayBufferWriter<byte>(16); // small on purpose: the size is computed up front
        Http1HeadWriter.WriteResponse(output, head, close, announceKeepAlive: false, policy);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    [Fact]
    public void WriteResponse_Strip_ServerAndPoweredByGone_AnyCase_EveryCopy()
    {
        string written = Write(
            "HTTP/1.1 302 Found\r\nServer: nginx/1.25.3\r\nLocation: /x\r\nx-powered-by: PHP/8.3.1\r\nSERVER: Apache\r\n" +
            "X-POWERED-BY: Express\r\nsErVeR: twice\r\nContent-Length: 0\r\nX-Served-By: cache-1\r\nServer-Timing: db;dur=53\r\n\r\n",
            HttpResponsePolicy.Default);

        Assert.Equal(
            "HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\nX-Served-By: cache-1\r\nServer-Timing: db;dur=53\r\n\r\n",
            written);
    }

    [Fact]
    public void WriteResponse_Pass_ServerAndPoweredByRelayed()
    {
        string upstream = "HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nX-Powered-By: PHP/8.3.1\r\nContent-Length: 0\r\n\r\n";

        Assert.Equal(upstream, Write(upstream, new HttpResponsePolicy(stripServerHeaders: false, strictTransportSecurity: null)));
    }

    [Fact]
    public void WriteResponse_Hsts_AddedOnceBeforeConnection()
    {
        string written = Write("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 2\r\n\r\n", s_strictTls, close: true);

        Assert.Equal($"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nStrict-Transport-Security: {Hsts}\r\nConnection: close\r\n\r\n", written);
    }

    [Theory]
    [InlineData("Strict-Transport-Security: max-age=60")]
    [InlineData("strict-transport-security: max-age=60")]
    public void WriteResponse_UpstreamSentHsts_KeptAndNotDuplicated(string field)
    {
        string written = Write($"HTTP/1.1 200 OK\r\n{field}\r\nContent-Length: 0\r\n\r\n", s_strictTls);

        Assert.Equal($"HTTP/1.1 200 OK\r\n{field}\r\nContent-Length: 0\r\n\r\n", written);
    }

    [Fact]
    public void WriteResponse_UpstreamHstsNominatedHopByHop_DroppedAndOursAdded()
    {
        string written = Write("HTTP/1.1 200 OK\r\nConnection: Strict-Transport-Security\r\nStrict-Transport-Security: max-age=60\r\nContent-Length: 0\r\n\r\n", s_strictTls);

        Assert.Equal($"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nStrict-Transport-Security: {Hsts}\r\n\r\n", written);
    }

    [Fact]
    public void WriteResponse_Informational_NoHsts()
    {
        Assert.Equal("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n",
            Write("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nServer: x\r\n\r\n", s_strictTls));
    }

    [Fact]
    public void GetErrorResponse_WithHsts_FieldInTheHeadAndBodyLengthUnchanged()
    {
        string plain = Encoding.ASCII.GetString(HttpErrorResponses.Get(502).Span);
        string withHsts = Encoding.ASCII.GetString(s_strictTls.GetErrorResponse(502).Span);

        Assert.Equal(plain.Replace("Connection: close\r\n", $"Connection: close\r\nStrict-Transport-Security: {Hsts}\r\n", StringComparison.Ordinal), withHsts);
        Assert.Equal("502 Bad Gateway\n", withHsts[(withHsts.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        Assert.True(s_strictTls.GetErrorResponse(421).Span == s_strictTls.GetErrorResponse(421).Span); // prebuilt, not rebuilt
        Assert.True(HttpResponsePolicy.Default.GetErrorResponse(504).Span == HttpErrorResponses.Get(504).Span);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(408)]
    [InlineData(414)]
    [InlineData(421)]
    [InlineData(431)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void ErrorResponses_NoServerFieldOrBanner(int status)
    {
        foreach (HttpResponsePolicy policy in new[] { HttpResponsePolicy.Default, s_strictTls })
        {
            string text = Encoding.ASCII.GetString(policy.GetErrorResponse(status).Span);
            string head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
            Assert.DoesNotContain("\r\nServer:", head, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("terminator", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(".NET", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void WriteResponse_WithPolicy_AllocatesZeroBytes()
    {
        using var head = new HttpResponseHead(HttpLimits.Default);
        var input = new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(
            "HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: https://shop.example/\r\nX-Powered-By: PHP\r\nContent-Length: 0\r\n\r\n"));
        var output = new ArrayBufferWriter<byte>(4096);
        for (int i = 0; i < 200; i++)
        {
            RunOnce(head, input, output);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RunOnce(head, input, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RunOnce(HttpResponseHead head, in ReadOnlySequence<byte> input, ArrayBufferWriter<byte> output)
    {
        output.ResetWrittenCount();
        if (Http1ResponseParser.TryParse(input, head, false, out _, out _) != HttpParseResult.Complete)
        {
            throw new InvalidOperationException("response parse failed");
        }

        Http1HeadWriter.WriteResponse(output, head, closeConnection: false, announceKeepAlive: false, s_strictTls);
        output.Write(s_strictTls.GetErrorResponse(502).Span);
    }
}
