using System.Buffers;
using System.Text;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>TCP delivers a hello in arbitrary pieces, and RFC 8446 §5.1 lets the handshake span several records.</summary>
public class ClientHelloParserSegmentationTests
{
    [Theory]
    [MemberData(nameof(ClientHelloCaptures.All), MemberType = typeof(ClientHelloCaptures))]
    public void TryParse_SplitAtEveryOffset_SameResultAsContiguous(string name)
    {
        byte[] capture = ClientHelloCaptures.Load(name);
        var expected = ParseSpan(capture);
        Assert.Equal(ClientHelloParseStatus.Success, expected.Status);

        for (int offset = 0; offset <= capture.Length; offset++)
        {
            Assert.Equal(expected, ParseSequence(SegmentedSequence.Split(capture, offset)));
        }

        // Three segments: the record/handshake headers split off, and a cut inside the body.
        for (int offset = 1; offset < 12; offset++)
        {
            Assert.Equal(expected, ParseSequence(SegmentedSequence.Split(capture, offset, capture.Length / 2)));
        }
    }

    [Theory]
    [MemberData(nameof(ClientHelloCaptures.All), MemberType = typeof(ClientHelloCaptures))]
    public void TryParse_OneByteSegments_SameResultAsContiguous(string name)
    {
        byte[] capture = ClientHelloCaptures.Load(name);

        Assert.Equal(ParseSpan(capture), ParseSequence(SegmentedSequence.ByteAtATime(capture)));
    }

    [Theory]
    [MemberData(nameof(ClientHelloCaptures.All), MemberType = typeof(ClientHelloCaptures))]
    public void TryParse_EveryPrefix_NeedMoreData(string name)
    {
        // Simulates the bytes arriving one at a time: each partial view must ask for more, never fail.
        byte[] capture = ClientHelloCaptures.Load(name);
        var serverName = new byte[ClientHelloParser.MaxServerNameLength];

        for (int length = 0; length < capture.Length; length++)
        {
            Assert.Equal(ClientHelloParseStatus.NeedMoreData, ClientHelloParser.TryParse(capture.AsSpan(0, length), serverName, out _));
        }

        // Multi-segment prefixes of a 1-byte-segment sequence (sampled: every prefix of a 2 KB capture would be O(n^2)).
        var bytewise = SegmentedSequence.ByteAtATime(capture);
        for (int length = 0; length < capture.Length; length += 1 + (length / 16))
        {
            var prefix = bytewise.Slice(0, length);
            Assert.Equal(ClientHelloParseStatus.NeedMoreData, ClientHelloParser.TryParse(prefix, serverName, out _));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(100)]
    [InlineData(511)]
    [InlineData(1000)]
    public void TryParse_HandshakeFragmentedOverRecords_Reassembles(int fragmentSize)
    {
        foreach (string name in ClientHelloCaptures.Names)
        {
            byte[] message = ClientHelloBuilder.MessageOf(ClientHelloCaptures.Load(name));
            byte[] records = ClientHelloBuilder.ToRecords(message, fragmentSize);
            var (host, alpn, versions) = ClientHelloCaptures.Expected[name];

            var contiguous = ParseSpan(records);
            Assert.Equal((ClientHelloParseStatus.Success, host, alpn, versions, true), contiguous);
            Assert.Equal(contiguous, ParseSequence(SegmentedSequence.Split(records, records.Length / 3, records.Length / 2)));

            // Every prefix of the fragmented form is still just "need more".
            var serverName = new byte[ClientHelloParser.MaxServerNameLength];
            for (int length = 0; length < records.Length; length += 1 + (length / 32))
            {
                Assert.Equal(ClientHelloParseStatus.NeedMoreData, ClientHelloParser.TryParse(records.AsSpan(0, length), serverName, out _));
            }
        }
    }

    [Fact]
    public void TryParse_FragmentedAndOneByteSegments_SameResult()
    {
        byte[] records = ClientHelloBuilder.ToRecords(ClientHelloBuilder.MessageOf(ClientHelloCaptures.Load(ClientHelloCaptures.Chromium)), 7);

        Assert.Equal(ParseSpan(records), ParseSequence(SegmentedSequence.ByteAtATime(records)));
        Assert.Equal(ClientHelloParseStatus.Success, ParseSpan(records).Status);
    }

    [Fact]
    public void TryParse_MaximumSizeHelloOverTwoRecords_Success()
    {
        // A body of exactly MaxClientHelloSize cannot fit one 2^14 record with its 4-byte header (RFC 8446 §5.1).
        var builder = new ClientHelloBuilder().WithServerName("big.example");
        int bodyWithoutPadding = builder.BuildMessage().Length - 4;
        builder.AddExtension(21, new byte[ClientHelloParser.MaxClientHelloSize - bodyWithoutPadding - 4]); // RFC 7685 padding
        byte[] message = builder.BuildMessage();
        Assert.Equal(ClientHelloParser.MaxClientHelloSize + 4, message.Length);
        byte[] records = ClientHelloBuilder.ToRecords(message, 1 << 14);

        var result = ParseSpan(records);
        Assert.Equal((ClientHelloParseStatus.Success, "big.example"), (result.Status, result.Host));
        Assert.Equal(result, ParseSequence(SegmentedSequence.Split(records, 3, 16000, 16390)));
    }

    internal static (ClientHelloParseStatus Status, string Host, AlpnFlags Alpn, TlsVersionFlags Versions, bool OffersEcdsa) ParseSpan(byte[] bytes)
    {
        var serverName = new byte[ClientHelloParser.MaxServerNameLength];
        var status = ClientHelloParser.TryParse(bytes, serverName, out var info);
        return (status, Encoding.ASCII.GetString(serverName, 0, info.ServerNameLength), info.Alpn, info.OfferedVersions, info.OffersEcdsa);
    }

    internal static (ClientHelloParseStatus Status, string Host, AlpnFlags Alpn, TlsVersionFlags Versions, bool OffersEcdsa) ParseSequence(ReadOnlySequence<byte> bytes)
    {
        var serverName = new byte[ClientHelloParser.MaxServerNameLength];
        var status = ClientHelloParser.TryParse(bytes, serverName, out var info);
        return (status, Encoding.ASCII.GetString(serverName, 0, info.ServerNameLength), info.Alpn, info.OfferedVersions, info.OffersEcdsa);
    }
}
