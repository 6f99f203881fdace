using System.Diagnostics;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Terminator.AccessLog;
using Terminator.Configuration;

namespace Terminator.Tests.AccessLog;

/// <summary>The JA4 field: last in combined (21st, after the cache status), "ja4" last in json; "-"/null when off or on plain HTTP.</summary>
public sealed class AccessLogFormatterJa4Tests
{
    private const string Ja4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";

    [Fact]
    public void Combined_WithJa4_LastField()
    {
        string line = Format(AccessLogFormat.Combined, Record(Encoding.ASCII.GetBytes(Ja4)));

        Assert.EndsWith(" 1 - " + Ja4 + "\n", line, StringComparison.Ordinal);
        Assert.Equal(Ja4, CombinedLine.Parse(line.TrimEnd('\n')).Ja4);
    }

    [Fact]
    public void Combined_WithoutJa4_Dash()
    {
        Assert.Equal("-", CombinedLine.Parse(Format(AccessLogFormat.Combined, Record(null)).TrimEnd('\n')).Ja4);
    }

    [Fact]
    public void Json_WithAndWithoutJa4_StringOrNull()
    {
        using JsonDocument with = JsonDocument.Parse(Format(AccessLogFormat.Json, Record(Encoding.ASCII.GetBytes(Ja4))));
        using JsonDocument without = JsonDocument.Parse(Format(AccessLogFormat.Json, Record(null)));

        Assert.Equal(Ja4, with.RootElement.GetProperty("ja4").GetString());
        Assert.Equal("ja4", with.RootElement.EnumerateObject().Last().Name);
        Assert.Equal(JsonValueKind.Null, without.RootElement.GetProperty("ja4").ValueKind);
    }

    private static AccessLogRecord Record(byte[]? ja4)
    {
        long t0 = Stopwatch.GetTimestamp();
        return new AccessLogRecord
        {
            RequestStarted = t0,
            ResponseFinished = t0 + 1,
            ServerName = "click.shop.example",
            TlsProtocol = SslProtocols.Tls13,
            TlsCipherSuite = TlsCipherSuite.TLS_AES_128_GCM_SHA256,
            Status = 302,
            RequestNumber = 1,
            Ja4 = ja4,
        };
    }

    private static string Format(AccessLogFormat format, AccessLogRecord record)
    {
        var queue = new AccessLogQueue(4, AccessLogQueue.MaxTextBytes, stripQuery: false);
        Assert.True(queue.TryEnqueue(record, new AccessLogText("203.0.113.9"u8, "GET"u8, "/f/x"u8, 1, default, "UA"u8)));
        queue.TakeBatch(out long first);
        var formatter = new AccessLogFormatter(format);
        byte[] buffer = new byte[AccessLogFormatter.MaxAnyLineBytes];
        int length = formatter.Format(queue.RecordAt(first), queue.TextOf(queue.RecordAt(first)), buffer);
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
