using System.Buffers;
using Terminator.Http;

namespace Terminator.Tests.Http;

public class ChunkedBodyParserTests
{
    private static (HttpParseResult Result, long Consumed) ParseAll(string body, HttpLimits? limits = null)
    {
        var parser = limits is null ? default : new ChunkedBodyParser(limits);
        parser.Reset();
        HttpParseResult result = parser.Parse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii(body)), out long consumed);
        return (result, consumed);
    }

    /// <summary>Feeds <paramref name="data"/> in pieces cut at <paramref name="split"/>, the way a proxy would forward it.</summary>
    private static (HttpParseResult Result, long Consumed) ParseInTwoCalls(byte[] data, int split)
    {
        ChunkedBodyParser parser = default;
        parser.Reset();
        HttpParseResult first = parser.Parse(SegmentedBuffer.Create(data, 0, split).Slice(0, split), out long consumed);
        if (first != HttpParseResult.Incomplete)
        {
            return (first, consumed);
        }

        Assert.Equal(split, consumed);
        HttpParseResult second = parser.Parse(new ReadOnlySequence<byte>(data, split, data.Length - split), out long more);
        return (second, consumed + more);
    }

    [Theory]
    [InlineData("0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")]
    [InlineData("A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n")]
    [InlineData("005\r\nhello\r\n000\r\n\r\n")]
    [InlineData("5;name=value\r\nhello\r\n0;last\r\n\r\n")]
    [InlineData("5 ; ext=\"quoted; str\"\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello\r\n0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n")]
    [InlineData("3\r\n\r\n\n\r\n0\r\n\r\n")]
    public void Parse_ValidBody_CompleteAtEnd(string body)
    {
        (HttpParseResult result, long consumed) = ParseAll(body + "GET /next");
        Assert.Equal(HttpParseResult.Complete, result);
        Assert.Equal(body.Length, consumed);
    }

    [Fact]
    public void Parse_EverySplitPosition_SameBoundary()
    {
        const string body = "1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n3\r\nxyz\r\n0\r\nTrailer-A: 1\r\n\r\n";
        byte[] data = SegmentedBuffer.Ascii(body + "NEXT");
        for (int split = 0; split <= data.Length; split++)
        {
            (HttpParseResult result, long consumed) = ParseInTwoCalls(data, split);
            Assert.Equal(HttpParseResult.Complete, result);
            Assert.Equal(body.Length, consumed);
        }
    }

    [Fact]
    public void Parse_OneByteAtATime_CompleteOnFinalLf()
    {
        const string body = "4;a=b\r\nwiki\r\n5\r\npedia\r\n0\r\nX: y\r\n\r\n";
        byte[] data = SegmentedBuffer.Ascii(body);
        ChunkedBodyParser parser = default;
        parser.Reset();
        for (int i = 0; i < data.Length; i++)
        {
            HttpParseResult result = parser.Parse(new ReadOnlySequence<byte>(data, i, 1), out long consumed);
            Assert.Equal(1, consumed);
            Assert.Equal(i == data.Length - 1 ? HttpParseResult.Complete : HttpParseResult.Incomplete, result);
        }

        Assert.True(parser.IsComplete);
        Assert.Equal(HttpParseResult.Complete, parser.Parse(new ReadOnlySequence<byte>(data), out long after));
        Assert.Equal(0, after);
    }

    [Fact]
    public void Parse_OneBytePerSegment_Complete()
    {
        const string body = "10\r\n0123456789abcdef\r\n0\r\n\r\n";
        ChunkedBodyParser parser = default;
        Assert.Equal(HttpParseResult.Complete, parser.Parse(SegmentedBuffer.OneBytePerSegment(SegmentedBuffer.Ascii(body + "x")), out long consumed));
        Assert.Equal(body.Length, consumed);
    }

    [Fact]
    public void Parse_HugeChunkSize_DataForwardedIncrementally()
    {
        ChunkedBodyParser parser = default;
        parser.Reset();
        Assert.Equal(HttpParseResult.Incomplete, parser.Parse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii("4000000000000000\r\n")), out long consumed));
        Assert.Equal(18, consumed);
        byte[] data = new byte[64 * 1024];
        Assert.Equal(HttpParseResult.Incomplete, parser.Parse(new ReadOnlySequence<byte>(data), out consumed));
        Assert.Equal(data.Length, consumed);
    }

    [Theory]
    [InlineData("4000000000000001\r\n")]          // 2^62 + 1
    [InlineData("FFFFFFFFFFFFFFFF\r\n")]          // would overflow a long
    [InlineData("100000000000000000000\r\n")]
    public void Parse_ChunkSizeAbove2Pow62_Error(string body)
    {
        Assert.Equal(HttpParseResult.Error, ParseAll(body).Result);
    }

    [Theory]
    [InlineData("\r\n")]                          // no chunk-size
    [InlineData("x\r\n")]
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("0x5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5x\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5 6\r\nhello\r\n0\r\n\r\n")]
    [InlineData(" 5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\nhello\r\n0\r\n\r\n")]        // bare LF after size
    [InlineData("5\rhello\r\n0\r\n\r\n")]        // bare CR after size
    [InlineData("5;a\nb\r\nhello\r\n0\r\n\r\n")] // LF inside extension
    [InlineData("5;a\u0000\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhelloX\r\n0\r\n\r\n")]     // data longer than size
    [InlineData("5\r\nhello\n0\r\n\r\n")]        // bare LF after data
    [InlineData("5\r\nhello\r\r0\r\n\r\n")]
    [InlineData("0\r\n\n")]                       // bare LF ending the message
    [InlineData("0\r\nX: y\n\r\n")]               // bare LF ending a trailer
    [InlineData("0\r\n X: y\r\n\r\n")]            // obs-fold in trailer
    [InlineData("0\r\nX y: z\r\n\r\n")]           // bad trailer name
    [InlineData("0\r\nNoColon\r\n\r\n")]
    [InlineData("0\r\nX: a\u0001\r\n\r\n")]
    public void Parse_Malformed_Error(string body)
    {
        Assert.Equal(HttpParseResult.Error, ParseAll(body).Result);
    }

    [Fact]
    public void Parse_AfterError_StaysFailedUntilReset()
    {
        ChunkedBodyParser parser = default;
        Assert.Equal(HttpParseResult.Error, parser.Parse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii("zz\r\n")), out _));
        Assert.Equal(HttpParseResult.Error, parser.Parse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii("0\r\n\r\n")), out _));
        parser.Reset();
        Assert.Equal(HttpParseResult.Complete, parser.Parse(new ReadOnlySequence<byte>(SegmentedBuffer.Ascii("0\r\n\r\n")), out long consumed));
        Assert.Equal(5, consumed);
    }

    [Fact]
    public void Parse_ChunkLineOverLimit_Error()
    {
        var limits = new HttpLimits { MaxChunkLineLength = 16 };
        Assert.Equal(HttpParseResult.Incomplete, ParseAll("5;" + new string('e', 14), limits).Result);
        Assert.Equal(HttpParseResult.Error, ParseAll("5;" + new string('e', 15), limits).Result);
        Assert.Equal(HttpParseResult.Error, ParseAll(new string('0', 17), limits).Result); // leading zeros count too
    }

    [Fact]
    public void Parse_TrailerSectionOverLimit_Error()
    {
        var limits = new HttpLimits { MaxTrailerBytes = 32 };
        Assert.Equal(HttpParseResult.Complete, ParseAll("0\r\nX: " + new string('a', 25) + "\r\n\r\n", limits).Result);
        Assert.Equal(HttpParseResult.Error, ParseAll("0\r\nX: " + new string('a', 40) + "\r\n\r\n", limits).Result);
    }

    [Fact]
    public void Parse_LastChunkExtensionOnly_NotDataState()
    {
        // "0;x" must still be treated as the last chunk (extension state must not leak the size).
        Assert.Equal(HttpParseResult.Complete, ParseAll("0;x=1\r\n\r\n").Result);
    }
}
