using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using BenchmarkDotNet.Attributes;
using Terminator.AccessLog;
using Terminator.Configuration;

namespace Terminator.Benchmarks;

/// <summary>
/// One access log line through the queue and the formatter, without the output: <c>Capture</c> is what the request path
/// pays (record + text copied into the queue under its lock), <c>CaptureAndFormat</c> adds the writer thread's work per
/// line (taking the batch, formatting into the pooled buffer, releasing). Both must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class AccessLogBenchmark
{
    private static readonly IPEndPoint s_upstream = new(IPAddress.Parse("10.0.0.5"), 8080);

    private readonly byte[] _buffer = new byte[64 * 1024];
    private AccessLogQueue _queue = null!;
    private AccessLogFormatter _formatter = null!;

    /// <summary>The line format (a string: BenchmarkDotNet parameters must be public, the format enum is internal).</summary>
    [Params("combined", "json")]
    public string Format { get; set; } = "combined";

    [GlobalSetup]
    public void Setup()
    {
        _queue = new AccessLogQueue(AccessLogWriter.DefaultRecordCapacity, AccessLogWriter.DefaultTextCapacity, stripQuery: true);
        _formatter = new AccessLogFormatter(Format == "json" ? AccessLogFormat.Json : AccessLogFormat.Combined);
    }

    [Benchmark]
    public int Capture()
    {
        Enqueue();
        int count = _queue.TakeBatch(out _);
        _queue.Release(count);
        return count;
    }

    [Benchmark]
    public int CaptureAndFormat()
    {
        Enqueue();
        int count = _queue.TakeBatch(out long first);
        int length = _formatter.Format(_queue.RecordAt(first), _queue.TextOf(_queue.RecordAt(first)), _buffer);
        _queue.Release(count);
        return length;
    }

    private void Enqueue()
    {
        long now = Stopwatch.GetTimestamp();
        var record = new AccessLogRecord
        {
            RequestStarted = now - 90_000, UpstreamStarted = now - 80_000, UpstreamConnected = now - 79_000,
            UpstreamHeaderReceived = now - 20_000, UpstreamFinished = now - 10_000, ResponseFinished = now,
            UpstreamAddress = s_upstream, ServerName = "click.shop.example", TlsProtocol = SslProtocols.Tls13,
            TlsCipherSuite = TlsCipherSuite.TLS_AES_128_GCM_SHA256, Status = 302, UpstreamStatus = 302, RequestNumber = 3,
        };
        _queue.TryEnqueue(record, new AccessLogText("198.51.100.23"u8, "GET"u8, "/f/a1b2c3d4e5f6?target=https%3A%2F%2Fshop.example%2Fsale%3Futm_source%3Demail"u8, 1,
            "https://mail.example/inbox"u8,
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"u8));
    }
}
