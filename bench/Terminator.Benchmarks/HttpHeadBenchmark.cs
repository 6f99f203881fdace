using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Terminator.Http;

namespace Terminator.Benchmarks;

/// <summary>
/// Request-head parse + forward rewrite (hop-by-hop removal, X-Forwarded-For/Proto) of a realistic click request with
/// ~600 bytes of browser headers, and the parse + relay of the tracking server's 302 response head.
/// </summary>
[MemoryDiagnoser]
public class HttpHeadBenchmark
{
    /// <summary>A browser click on a tracking link: ~600 bytes of headers (shared with <see cref="ProxyLoopBenchmark"/>).</summary>
    internal static readonly byte[] ClickRequest = Encoding.ASCII.GetBytes(
        "GET /f/a1b2c3d4e5f6?target=https%3A%2F%2Fshop.example%2Fsale%3Futm_source%3Demail HTTP/1.1\r\n" +
        "Host: click.customer.com\r\n" +
        "Connection: keep-alive\r\n" +
        "sec-ch-ua: \"Chromium\";v=\"156\", \"Not)A;Brand\";v=\"24\"\r\n" +
        "sec-ch-ua-mobile: ?0\r\n" +
        "sec-ch-ua-platform: \"Linux\"\r\n" +
        "Upgrade-Insecure-Requests: 1\r\n" +
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\r\n" +
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n" +
        "Sec-Fetch-Site: cross-site\r\n" +
        "Sec-Fetch-Mode: navigate\r\n" +
        "Sec-Fetch-Dest: document\r\n" +
        "Referer: https://mail.example.net/\r\n" +
        "Accept-Encoding: gzip, deflate, br, zstd\r\n" +
        "Accept-Language: en-GB,en;q=0.9,de;q=0.8\r\n" +
        "Cookie: _tid=9f8e7d6c5b4a; consent=granted\r\n" +
        "\r\n");

    private static readonly byte[] s_redirectResponse = Encoding.ASCII.GetBytes(
        "HTTP/1.1 302 Found\r\nLocation: https://shop.example/sale?utm_source=email\r\nContent-Length: 0\r\nCache-Control: no-store\r\nKeep-Alive: timeout=60\r\n\r\n");

    private static readonly byte[] s_clientAddress = "198.51.100.23"u8.ToArray();
    private static readonly byte[] s_https = "https"u8.ToArray();

    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private HttpRequestHead _request = null!;
    private HttpResponseHead _response = null!;
    private ReadOnlySequence<byte> _requestBytes;
    private ReadOnlySequence<byte> _responseBytes;

    [GlobalSetup]
    public void Setup()
    {
        _request = new HttpRequestHead(HttpLimits.Default);
        _response = new HttpResponseHead(HttpLimits.Default);
        _requestBytes = new ReadOnlySequence<byte>(ClickRequest);
        _responseBytes = new ReadOnlySequence<byte>(s_redirectResponse);
    }

    [Benchmark]
    public int ParseAndRewriteRequest()
    {
        _request.Reset();
        Http1RequestParser.TryParse(_requestBytes, _request, out _, out _);
        _output.ResetWrittenCount();
        Http1HeadWriter.WriteRequest(_output, _request, s_clientAddress, s_https);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int ParseAndRelayResponse()
    {
        _response.Reset();
        Http1ResponseParser.TryParse(_responseBytes, _response, requestWasHead: false, out _, out _);
        _output.ResetWrittenCount();
        Http1HeadWriter.WriteResponse(_output, _response, closeConnection: false);
        return _output.WrittenCount;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _request.Dispose();
        _response.Dispose();
    }
}
