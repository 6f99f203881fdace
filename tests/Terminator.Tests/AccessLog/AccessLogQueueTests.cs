using System.Text;
using Terminator.AccessLog;

namespace Terminator.Tests.AccessLog;

/// <summary>The bounded hand-over: refuses instead of waiting, keeps text contiguous across the slab's end, bounds what
/// it copies, and strips queries when told to.</summary>
public sealed class AccessLogQueueTests
{
    [Fact]
    public void TryEnqueue_RecordRingFull_Refused_UntilReleased()
    {
        var queue = new AccessLogQueue(recordCapacity: 4, textCapacity: AccessLogQueue.MaxTextBytes, stripQuery: false);

        for (int i = 0; i < 4; i++)
        {
            Assert.True(Enqueue(queue, $"/q/{i}", status: 200 + i));
        }

        Assert.False(Enqueue(queue, "/q/full", status: 299));
        Assert.Equal(4, queue.TakeBatch(out long first));
        Assert.Equal([200, 201, 202, 203], Enumerable.Range(0, 4).Select(i => queue.RecordAt(first + i).Status));
        queue.Release(4);
        Assert.True(Enqueue(queue, "/q/again", status: 204));
    }

    [Fact]
    public void TryEnqueue_TextSlabFull_Refused_AndWrapsToTheStartOnceFreed()
    {
        // Room for two ~3,000-byte records, not three.
        var queue = new AccessLogQueue(recordCapacity: 64, textCapacity: AccessLogQueue.MaxTextBytes, stripQuery: false);
        string longTarget = "/f/" + new string('x', 3000);

        Assert.True(Enqueue(queue, longTarget, status: 1));
        Assert.True(Enqueue(queue, longTarget, status: 2));
        Assert.False(Enqueue(queue, longTarget, status: 3));
        Assert.Equal(2, queue.TakeBatch(out long first));
        queue.Release(1); // the first record frees the slab's start; the next record must not fit at the end, so it wraps

        Assert.True(Enqueue(queue, longTarget, status: 4));
        Assert.Equal(2, queue.TakeBatch(out first));
        Assert.Equal([2, 4], new[] { queue.RecordAt(first).Status, queue.RecordAt(first + 1).Status });
        Assert.Equal($"GET {longTarget} HTTP/1.1", RequestLine(queue, queue.RecordAt(first + 1)));
    }

    [Fact]
    public void TryEnqueue_LongFields_CutAtTheirBoundsAndFlagged()
    {
        var queue = new AccessLogQueue(recordCapacity: 4, textCapacity: AccessLogQueue.MaxTextBytes, stripQuery: false);
        byte[] userAgent = Encoding.ASCII.GetBytes(new string('u', 5000));
        byte[] target = Encoding.ASCII.GetBytes("/f/" + new string('t', 8000));

        Assert.True(queue.TryEnqueue(new AccessLogRecord { Status = 200 }, new AccessLogText("10.0.0.1"u8, "GET"u8, target, 1, default, userAgent)));

        queue.TakeBatch(out long first);
        AccessLogRecord record = queue.RecordAt(first);
        Assert.Equal((AccessLogQueue.MaxRequestLineBytes, AccessLogQueue.MaxUserAgentBytes, 0), (record.RequestLineLength, record.UserAgentLength, record.RefererLength));
        Assert.Equal(AccessLogTruncation.RequestLine | AccessLogTruncation.UserAgent, record.Truncated);
    }

    [Theory]
    [InlineData("GET /f/abc?rid=1&u=2 HTTP/1.1", "GET /f/abc HTTP/1.1")]
    [InlineData("GET /f/abc?rid=1", "GET /f/abc")]
    [InlineData("GET /f/abc HTTP/1.1", "GET /f/abc HTTP/1.1")]
    [InlineData("\u0016\u0003\u0001", "\u0016\u0003\u0001")]
    public void TryEnqueue_RawLineWithStrip_QueryRemovedUpToTheNextSpace(string raw, string expected)
    {
        var queue = new AccessLogQueue(recordCapacity: 4, textCapacity: AccessLogQueue.MaxTextBytes, stripQuery: true);

        Assert.True(queue.TryEnqueue(new AccessLogRecord { Status = 400 }, new AccessLogText("10.0.0.1"u8, Encoding.Latin1.GetBytes(raw))));

        queue.TakeBatch(out long first);
        Assert.Equal(expected, RequestLine(queue, queue.RecordAt(first)));
    }

    private static bool Enqueue(AccessLogQueue queue, string target, int status) =>
        queue.TryEnqueue(new AccessLogRecord { Status = status }, new AccessLogText("192.0.2.1"u8, "GET"u8, Encoding.ASCII.GetBytes(target), 1, default, "ua"u8));

    private static string RequestLine(AccessLogQueue queue, in AccessLogRecord record) =>
        Encoding.Latin1.GetString(queue.TextOf(record).Slice(record.ClientAddressLength, record.RequestLineLength));
}
