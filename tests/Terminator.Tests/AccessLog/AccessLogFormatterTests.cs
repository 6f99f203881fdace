using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Terminator.AccessLog;
using Terminator.Configuration;

namespace Terminator.Tests.AccessLog;

/// <summary>The formatter alone: exact combined fields for a known record, and the queue-to-line path allocating nothing.</summary>
public sealed class AccessLogFormatterTests
{
    private static readonly IPEndPoint s_upstream = new(IPAddress.Parse("10.1.2.3"), 8080);

    [Fact]
    public void Combined_KnownRecord_FieldsAndDurationsAsDocumented()
    {
        long t0 = Stopwatch.GetTimestamp();
        long ms = Stopwatch.Frequency / 1000;
        var record = new AccessLogRecord
        {
            RequestStarted = t0,
            UpstreamStarted = t0 + ms,
            UpstreamConnected = t0 + (3 * ms),
            UpstreamHeaderReceived = t0 + (10 * ms),
            UpstreamFinished = t0 + (12 * ms),
            ResponseFinished = t0 + (1500 * ms),
            BodyBytesSent = 43,
            UpstreamAddress = new IPEndPoint(IPAddress.Parse("2001:db8::7"), 80),
            ServerName = "click.shop.example",
            TlsProtocol = SslProtocols.Tls12,
            TlsCipherSuite = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            Status = 200,
            UpstreamStatus = 200,
            RequestNumber = 7,
        };

        string line = Format(AccessLogFormat.Combined, record, new AccessLogText("203.0.113.9"u8, "GET"u8, "/q/o.gif"u8, 1, default, "UA"u8));

        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        CombinedLine parsed = CombinedLine.Parse(line.TrimEnd('\n'));
        Assert.Equal(("203.0.113.9", "GET /q/o.gif HTTP/1.1", 200, 43L, "-", "UA"), (parsed.RemoteAddress, parsed.Request, parsed.Status, parsed.BodyBytesSent, parsed.Referer, parsed.UserAgent));
        Assert.Equal(("click.shop.example", "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), (parsed.ServerName, parsed.TlsProtocol, parsed.TlsCipher));
        Assert.Equal(("[2001:db8::7]:80", "200"), (parsed.UpstreamAddress, parsed.UpstreamStatus));
        Assert.Equal((1.5, "0.002", "0.009", "0.011", 7), (parsed.RequestTime, parsed.UpstreamConnectTime, parsed.UpstreamHeaderTime, parsed.UpstreamResponseTime, parsed.ConnectionRequests));
    }

    [Fact]
    public void Json_TruncatedUserAgent_EndsWithDotsAndStaysValid()
    {
        var queue = new AccessLogQueue(4, AccessLogQueue.MaxTextBytes, stripQuery: false);
        byte[] userAgent = Encoding.ASCII.GetBytes(new string('"', 3000));
        Assert.True(queue.TryEnqueue(new AccessLogRecord { Status = 200, RequestStarted = 1, ResponseFinished = 2 }, new AccessLogText("::1"u8, "GET"u8, "/"u8, 1, default, userAgent)));
        queue.TakeBatch(out long first);
        var formatter = new AccessLogFormatter(AccessLogFormat.Json);
        byte[] buffer = new byte[AccessLogFormatter.MaxAnyLineBytes];

        int length = formatter.Format(queue.RecordAt(first), queue.TextOf(queue.RecordAt(first)), buffer);

        using JsonDocument document = JsonDocument.Parse(buffer.AsMemory(0, length));
        Assert.Equal(new string('"', AccessLogQueue.MaxUserAgentBytes) + "...", document.RootElement.GetProperty("http_user_agent").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EnqueueTakeFormatRelease_Repeated_AllocatesZeroBytes(bool json)
    {
        var queue = new AccessLogQueue(64, 64 * 1024, stripQuery: true);
        var formatter = new AccessLogFormatter(json ? AccessLogFormat.Json : AccessLogFormat.Combined);
        byte[] buffer = new byte[64 * 1024];
        for (int i = 0; i < 100; i++)
        {
            RunOnce(queue, formatter, buffer); // warm-up: the cipher name is cached once
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RunOnce(queue, formatter, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RunOnce(AccessLogQueue queue, AccessLogFormatter formatter, byte[] buffer)
    {
        long now = Stopwatch.GetTimestamp();
        var record = new AccessLogRecord
        {
            RequestStarted = now - 1000, UpstreamStarted = now - 900, UpstreamConnected = now - 800, UpstreamHeaderReceived = now - 500,
            UpstreamFinished = now - 100, ResponseFinished = now, BodyBytesSent = 0, UpstreamAddress = s_upstream,
            ServerName = "click.shop.example", TlsProtocol = SslProtocols.Tls13, TlsCipherSuite = TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            Status = 302, UpstreamStatus = 302, RequestNumber = 1,
        };
        Assert.True(queue.TryEnqueue(record, new AccessLogText("198.51.100.23"u8, "GET"u8, "/f/abc?rid=1"u8, 1, "https://mail.example/?x"u8, "Mozilla/5.0 \"x\""u8)));
        int count = queue.TakeBatch(out long first);
        formatter.SynchronizeClock();
        int used = 0;
        for (long i = first; i < first + count; i++)
        {
            used += formatter.Format(queue.RecordAt(i), queue.TextOf(queue.RecordAt(i)), buffer.AsSpan(used));
        }

        queue.Release(count);
    }

    private static string Format(AccessLogFormat format, AccessLogRecord record, AccessLogText text)
    {
        var queue = new AccessLogQueue(4, AccessLogQueue.MaxTextBytes, stripQuery: false);
        Assert.True(queue.TryEnqueue(record, text));
        queue.TakeBatch(out long first);
        var formatter = new AccessLogFormatter(format);
        byte[] buffer = new byte[AccessLogFormatter.MaxAnyLineBytes];
        int length = formatter.Format(queue.RecordAt(first), queue.TextOf(queue.RecordAt(first)), buffer);
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
