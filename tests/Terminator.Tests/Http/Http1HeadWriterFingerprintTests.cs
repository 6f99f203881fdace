using System.Buffers;
using System.Text;
using Terminator.Http;

namespace Terminator.Tests.Http;

/// <summary>The JA4 header on the way upstream: the client's copies (any spelling) out, the edge's value in.</summary>
public sealed class Http1HeadWriterFingerprintTests
{
    private const string Ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";

    private static readonly string s_request =
        "GET /f/abc HTTP/1.1\r\n" +
        "Host: click.example\r\n" +
        "X-JA4: t13d1516h2_forged_by_the_client\r\n" +
        "User-Agent: Mail/1.0\r\n" +
        "x_ja4: underscore spelling\r\n" +
        "X-Ja4: second copy\r\n" +
        "X-JA4-Extra: kept\r\n" +
        "\r\n";

    [Fact]
    public void WriteRequest_Tls_ClientCopiesDroppedAndEdgeValueAdded()
    {
        string written = Write(s_request, "X-JA4", Ja4);

        Assert.Equal(
            "GET /f/abc HTTP/1.1\r\n" +
            "Host: click.example\r\n" +
            "User-Agent: Mail/1.0\r\n" +
            "X-JA4-Extra: kept\r\n" +
            "X-Forwarded-For: 203.0.113.7\r\n" +
            "X-Forwarded-Proto: https\r\n" +
            "X-JA4: " + Ja4 + "\r\n" +
            "\r\n",
            written);
    }

    [Fact]
    public void WriteRequest_PlainHttp_ClientCopiesDroppedNothingAdded()
    {
        string written = Write(s_request, "X-JA4", value: null);

        Assert.DoesNotContain("ja4:", written, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("forged", written, StringComparison.Ordinal);
        Assert.Contains("\r\nX-JA4-Extra: kept\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRequest_ConfiguredWithUnderscore_DashSpellingDroppedToo()
    {
        string written = Write(s_request, "X_JA4", Ja4);

        Assert.DoesNotContain("forged", written, StringComparison.Ordinal);
        Assert.DoesNotContain("second copy", written, StringComparison.Ordinal);
        Assert.EndsWith("\r\nX_JA4: " + Ja4 + "\r\n\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRequest_Off_ClientHeaderPassesUntouched()
    {
        string written = Write(s_request, name: null, value: null);

        Assert.Contains("\r\nX-JA4: t13d1516h2_forged_by_the_client\r\n", written, StringComparison.Ordinal);
        Assert.Contains("\r\nx_ja4: underscore spelling\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRequest_WithFingerprint_AllocatesNothing()
    {
        using HttpRequestHead head = Parse(s_request);
        byte[] name = "X-JA4"u8.ToArray();
        byte[] value = Encoding.ASCII.GetBytes(Ja4);
        var output = new ArrayBufferWriter<byte>(4096);
        Http1HeadWriter.WriteRequest(output, head, "203.0.113.7"u8, "https"u8, ForwardedHeadersMode.Replace, new ClientFingerprintField(name, value));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            output.ResetWrittenCount();
            Http1HeadWriter.WriteRequest(output, head, "203.0.113.7"u8, "https"u8, ForwardedHeadersMode.Replace, new ClientFingerprintField(name, value));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static string Write(string raw, string? name, string? value)
    {
        using HttpRequestHead head = Parse(raw);
        var output = new ArrayBufferWriter<byte>(16); // small on purpose: the writer must ask for what it needs
        Http1HeadWriter.WriteRequest(output, head, "203.0.113.7"u8, "https"u8, ForwardedHeadersMode.Replace,
            new ClientFingerprintField(name is null ? default : Encoding.ASCII.GetBytes(name), value is null ? default : Encoding.ASCII.GetBytes(value)));
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    private static HttpRequestHead Parse(string raw)
    {
        var head = new HttpRequestHead(HttpLimits.Default);
        Assert.Equal(HttpParseResult.Complete,
            Http1RequestParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(raw)), head, out _, out _));
        return head;
    }
}
