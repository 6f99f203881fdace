using System.Buffers;
using System.Text;
using Terminator.ProxyProtocol;
using Terminator.Tests.Tls;

namespace Terminator.Tests.ProxyProtocol;

/// <summary>
/// The header parser over every valid shape of both versions and every way to get one wrong, each fed whole, split at
/// every offset, one byte per segment, as growing prefixes (resumed with the progress the step carries), and followed
/// by the next protocol's bytes, which it must leave alone.
/// </summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] s_following = [0x16, 0x03, 0x01, 0x02, 0x00, .. "GET / HTTP/1.1\r\n"u8];

    public static TheoryData<string> ValidNames() => [.. ProxyHeaderSamples.Valid().Select(c => c.Name)];

    public static TheoryData<string> InvalidNames() => [.. ProxyHeaderSamples.Invalid().Select(c => c.Name)];

    private static (byte[] Bytes, ProxyHeader Expected) ValidCase(string name)
    {
        var c = ProxyHeaderSamples.Valid().Single(c => c.Name == name);
        return (c.Bytes, c.Expected);
    }

    private static (byte[] Bytes, ProxyHeaderParseStatus Expected) InvalidCase(string name)
    {
        var c = ProxyHeaderSamples.Invalid().Single(c => c.Name == name);
        return (c.Bytes, c.Expected);
    }

    private static (ProxyHeaderParseStatus, ProxyHeader) Parse(ReadOnlySequence<byte> bytes, ProxyProtocolVersions accepted = ProxyProtocolVersions.Any)
    {
        var progress = default(ProxyHeaderScanProgress);
        ProxyHeaderParseStatus status = ProxyHeaderParser.TryParse(bytes, accepted, ref progress, out ProxyHeader header);
        return (status, header);
    }

    private static (ProxyHeaderParseStatus, ProxyHeader) Parse(byte[] bytes) => Parse(new ReadOnlySequence<byte>(bytes));

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void TryParse_Valid_SameHeaderAtEverySplitPoint(string name)
    {
        (byte[] bytes, ProxyHeader expected) = ValidCase(name);
        Assert.Equal((ProxyHeaderParseStatus.Success, expected), Parse(bytes));

        for (int offset = 0; offset <= bytes.Length; offset++)
        {
            Assert.Equal((ProxyHeaderParseStatus.Success, expected), Parse(SegmentedSequence.Split(bytes, offset)));
            Assert.Equal((ProxyHeaderParseStatus.Success, expected), Parse(SegmentedSequence.Split(bytes, offset / 2, offset)));
        }

        Assert.Equal((ProxyHeaderParseStatus.Success, expected), Parse(SegmentedSequence.ByteAtATime(bytes)));
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void TryParse_Valid_FollowedByTheNextProtocol_StopsAtTheHeader(string name)
    {
        (byte[] bytes, ProxyHeader expected) = ValidCase(name);
        byte[] stream = [.. bytes, .. s_following];

        Assert.Equal((ProxyHeaderParseStatus.Success, expected), Parse(stream));
        Assert.Equal((ProxyHeaderParseStatus.Success, expected), Parse(SegmentedSequence.Split(stream, bytes.Length)));
        Assert.Equal(bytes.Length, expected.Length);
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void TryParse_Valid_EveryPrefixNeedsMoreData_ThenResumes(string name)
    {
        (byte[] bytes, ProxyHeader expected) = ValidCase(name);
        var progress = default(ProxyHeaderScanProgress);

        // The bytes arriving one at a time, the step passing its progress back after each read.
        for (int length = 0; length < bytes.Length; length++)
        {
            var prefix = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.Equal(ProxyHeaderParseStatus.NeedMoreData, ProxyHeaderParser.TryParse(prefix, ProxyProtocolVersions.Any, ref progress, out _));
            Assert.Equal(ProxyHeaderParseStatus.NeedMoreData, Parse(SegmentedSequence.ByteAtATime(bytes[..length])).Item1);
        }

        Assert.Equal(ProxyHeaderParseStatus.Success, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes), ProxyProtocolVersions.Any, ref progress, out ProxyHeader header));
        Assert.Equal(expected, header);
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void TryParse_Invalid_RefusedWithItsReasonAtEverySplitPoint(string name)
    {
        (byte[] bytes, ProxyHeaderParseStatus expected) = InvalidCase(name);
        Assert.Equal(expected, Parse(bytes).Item1);
        Assert.Equal(expected, Parse([.. bytes, .. s_following]).Item1);
        Assert.Equal(expected, Parse(SegmentedSequence.ByteAtATime(bytes)).Item1);
        for (int offset = 0; offset <= bytes.Length; offset++)
        {
            Assert.Equal(expected, Parse(SegmentedSequence.Split(bytes, offset)).Item1);
        }

        // Shorter views wait or refuse for the same reason early (a v2 length is judged from the fixed 16 bytes); never Success.
        var progress = default(ProxyHeaderScanProgress);
        for (int length = 0; length < bytes.Length; length++)
        {
            ProxyHeaderParseStatus status = ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(bytes, 0, length), ProxyProtocolVersions.Any, ref progress, out _);
            Assert.True(status == ProxyHeaderParseStatus.NeedMoreData || status == expected, $"{length} bytes: {status}");
            if (status == expected)
            {
                break;
            }
        }
    }

    [Fact]
    public void TryParse_OversizedVersion2_RefusedFromTheFixedPartAlone()
    {
        byte[] fixedPart = ProxyHeaderSamples.V2Raw(ProxyHeaderSamples.Proxy, ProxyHeaderSamples.Tcp4, 1025, []);

        Assert.Equal(16, fixedPart.Length);
        Assert.Equal(ProxyHeaderParseStatus.TooLong, Parse(fixedPart).Item1);
    }

    [Fact]
    public void TryParse_Version1Without_CrlfWithin107Bytes_TooLongWhateverFollows()
    {
        byte[] noEnd = Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200));

        Assert.Equal(ProxyHeaderParseStatus.NeedMoreData, Parse(noEnd[..106]).Item1);
        Assert.Equal(ProxyHeaderParseStatus.TooLong, Parse(noEnd[..107]).Item1);
        Assert.Equal(ProxyHeaderParseStatus.TooLong, Parse(noEnd).Item1);
    }

    [Theory]
    [InlineData(ProxyProtocolVersions.V1, "v2 tcp4", 12)]
    [InlineData(ProxyProtocolVersions.V2, "v1 tcp4", 6)]
    public void TryParse_OtherVersionThanAccepted_RefusedOnceItsSignatureIsIn(object acceptedVersion, string name, int signatureLength)
    {
        var accepted = (ProxyProtocolVersions)acceptedVersion;
        (byte[] bytes, _) = ValidCase(name);

        Assert.Equal(ProxyHeaderParseStatus.NeedMoreData, Parse(new ReadOnlySequence<byte>(bytes, 0, signatureLength - 1), accepted).Item1);
        Assert.Equal(ProxyHeaderParseStatus.VersionNotAccepted, Parse(new ReadOnlySequence<byte>(bytes, 0, signatureLength), accepted).Item1);
        Assert.Equal(ProxyHeaderParseStatus.VersionNotAccepted, Parse(new ReadOnlySequence<byte>(bytes), accepted).Item1);
        Assert.Equal(ProxyHeaderParseStatus.Success, Parse(new ReadOnlySequence<byte>(bytes), accepted | (ProxyProtocolVersions.Any & ~accepted)).Item1);
    }

    [Theory]
    [InlineData(new byte[] { 0x16, 0x03, 0x01 }, 1)]                        // a TLS handshake record
    [InlineData(new byte[] { (byte)'G', (byte)'E', (byte)'T' }, 1)]
    [InlineData(new byte[] { (byte)'P', (byte)'O', (byte)'S', (byte)'T' }, 2)]
    [InlineData(new byte[] { (byte)'P', (byte)'U', (byte)'T' }, 2)]
    [InlineData(new byte[] { (byte)'P', (byte)'R', (byte)'I', (byte)' ' }, 3)] // the HTTP/2 preface
    [InlineData(new byte[] { (byte)'P', (byte)'R', (byte)'O', (byte)'X', (byte)'Y', (byte)'X' }, 6)]
    [InlineData(new byte[] { (byte)'P', (byte)'R', (byte)'O', (byte)'X', (byte)'Y', (byte)'\r' }, 6)]
    [InlineData(new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, (byte)'G' }, 5)]        // empty lines before a request
    [InlineData(new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B }, 12)]
    public void Detect_OtherProtocols_NotProxyHeaderAsSoonAsTheyDiverge(byte[] bytes, int decidedAt)
    {
        for (int length = 0; length < decidedAt; length++)
        {
            Assert.Equal(ProxyHeaderParseStatus.NeedMoreData, ProxyHeaderParser.Detect(new ReadOnlySequence<byte>(bytes, 0, length), out _));
        }

        Assert.Equal(ProxyHeaderParseStatus.NotProxyHeader, ProxyHeaderParser.Detect(new ReadOnlySequence<byte>(bytes, 0, decidedAt), out _));
        Assert.Equal(ProxyHeaderParseStatus.NotProxyHeader, ProxyHeaderParser.Detect(SegmentedSequence.ByteAtATime(bytes), out _));
        Assert.Equal(ProxyHeaderParseStatus.NotProxyHeader, Parse(bytes).Item1);
    }

    [Theory]
    [InlineData("v1 tcp4", ProxyProtocolVersions.V1)]
    [InlineData("v2 local", ProxyProtocolVersions.V2)]
    public void Detect_Signatures_VersionOnceComplete(string name, object expectedVersion)
    {
        var expected = (ProxyProtocolVersions)expectedVersion;
        (byte[] bytes, _) = ValidCase(name);
        int signatureLength = expected == ProxyProtocolVersions.V1 ? 6 : 12;

        Assert.Equal(ProxyHeaderParseStatus.NeedMoreData, ProxyHeaderParser.Detect(new ReadOnlySequence<byte>(bytes, 0, signatureLength - 1), out _));
        Assert.Equal(ProxyHeaderParseStatus.Success, ProxyHeaderParser.Detect(SegmentedSequence.ByteAtATime(bytes[..signatureLength]), out ProxyProtocolVersions version));
        Assert.Equal(expected, version);
    }

    [Fact]
    public void TryParse_Version1TricklingIn_EachByteSearchedOnce()
    {
        byte[] line = ProxyHeaderSamples.V1("PROXY TCP6 2001:db8::7 2001:db8::a 51234 443\r\n");
        var progress = default(ProxyHeaderScanProgress);
        for (int length = 7; length < line.Length; length++)
        {
            Assert.Equal(ProxyHeaderParseStatus.NeedMoreData, ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(line, 0, length), ProxyProtocolVersions.V1, ref progress, out _));
            Assert.Equal(length, progress.Scanned); // the next call starts where this one stopped
        }
    }

    [Fact]
    public void ToSourceEndPoint_BuildsTheClientEndPoint()
    {
        (_, ProxyHeader v4) = ValidCase("v2 tcp4");
        (_, ProxyHeader v6) = ValidCase("v1 tcp6 compressed");
        (_, ProxyHeader mapped) = ValidCase("v1 tcp6 mapped");

        Assert.Equal("203.0.113.7:51234", v4.ToSourceEndPoint().ToString());
        Assert.Equal("192.0.2.10:443", v4.ToDestinationEndPoint().ToString());
        Assert.Equal("[2001:db8::7]:51234", v6.ToSourceEndPoint().ToString());
        Assert.Equal("[::ffff:203.0.113.7]:8080", mapped.ToSourceEndPoint().ToString());
    }
}
