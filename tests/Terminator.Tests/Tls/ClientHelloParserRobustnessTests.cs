using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>Hostile and garbage input: every outcome must be a defined status, never an exception or an out-of-range read.</summary>
public class ClientHelloParserRobustnessTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: click.example.com\r\n\r\n")]
    [InlineData("G")]
    [InlineData("PRI * HTTP/2.0\r\n")]
    [InlineData("\u0017\u0003\u0003\u0000\u0001x")] // application_data first
    [InlineData("\u0016\u0002")]                     // handshake type byte, but version major 2
    [InlineData("\u0016\u0000\u0000\u0000\u0004\u0001\u0000\u0000\u0000")]
    public void TryParse_NotTlsStart_NotTls(string text)
    {
        Assert.Equal(ClientHelloParseStatus.NotTls, Parse(Encoding.Latin1.GetBytes(text)));
    }

    [Fact]
    public void TryParse_SslV2CompatibleHello_NotTls()
    {
        // SSLv2 record: 2-byte length with the high bit set, msg_type 1, version 3.1 (RFC 5246 Appendix E.2).
        byte[] sslv2 = [0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x2f];

        Assert.Equal(ClientHelloParseStatus.NotTls, Parse(sslv2));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x16 })]
    [InlineData(new byte[] { 0x16, 3 })]
    [InlineData(new byte[] { 0x16, 3, 1, 0 })]
    [InlineData(new byte[] { 0x16, 3, 1, 0, 4 })]
    [InlineData(new byte[] { 0x16, 3, 1, 0, 4, 1, 0 })]
    public void TryParse_ShortConsistentPrefix_NeedMoreData(byte[] bytes)
    {
        Assert.Equal(ClientHelloParseStatus.NeedMoreData, Parse(bytes));
    }

    [Fact]
    public void TryParse_ServerHelloInsteadOfClientHello_NotClientHello()
    {
        byte[] serverHello = ClientHelloBuilder.ToRecords(ClientHelloBuilder.HandshakeMessage(2, new byte[40]), 1 << 14);

        Assert.Equal(ClientHelloParseStatus.NotClientHello, Parse(serverHello));
        Assert.Equal(ClientHelloParseStatus.NotClientHello, Parse(serverHello[..6])); // decided from the first handshake byte
    }

    [Theory]
    [InlineData(ClientHelloParser.MaxClientHelloSize + 1)]
    [InlineData(0xFFFFFF)]
    public void TryParse_DeclaredTooLarge_TooLargeFromHeadersAlone(int declared)
    {
        byte[] headers = [22, 3, 1, 0x40, 0x00, 1, (byte)(declared >> 16), (byte)(declared >> 8), (byte)declared];

        Assert.Equal(ClientHelloParseStatus.TooLarge, Parse(headers));
        Assert.Equal(ClientHelloParseStatus.TooLarge, Parse([.. headers, .. new byte[100]]));
    }

    [Fact]
    public void TryParse_DeclaredExactlyMax_NeedMoreData()
    {
        int declared = ClientHelloParser.MaxClientHelloSize;
        byte[] headers = [22, 3, 1, 0x40, 0x00, 1, (byte)(declared >> 16), (byte)(declared >> 8), (byte)declared];

        Assert.Equal(ClientHelloParseStatus.NeedMoreData, Parse(headers));
    }

    [Fact]
    public void TryParse_RecordLayerViolations_Malformed()
    {
        byte[] message = new ClientHelloBuilder().WithServerName("a.example").BuildMessage();
        byte[] twoRecords = ClientHelloBuilder.ToRecords(message, 20);

        // RFC 8446 §5.1: zero-length handshake fragment; fragment over 2^14; another content type interleaved.
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse([.. ClientHelloBuilder.RecordHeader(22, 0), .. twoRecords]));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse([22, 3, 1, 0x40, 0x01, 1, 0, 0x10, 0]));
        byte[] interleaved = [.. twoRecords[..25], .. ClientHelloBuilder.RecordHeader(21, 2), 2, 40, .. twoRecords[25..]];
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(interleaved));

        // Bytes after the ClientHello inside its own record: some length field lies.
        byte[] trailing = ClientHelloBuilder.ToRecords([.. message, 0], 1 << 14);
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(trailing));
    }

    [Fact]
    public void TryParse_BodyRuleViolations_Malformed()
    {
        static byte[] With(Action<ClientHelloBuilder> change)
        {
            var builder = new ClientHelloBuilder().WithServerName("a.example");
            change(builder);
            return builder.Build();
        }

        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.SessionId = new byte[33])));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.CipherSuites = [])));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.CompressionMethods = [])));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.AddExtension(0, ClientHelloBuilder.ServerNameList((0, "b.example"u8.ToArray()))))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.Extensions[0] = (0, ClientHelloBuilder.ServerNameList((0, "a.example"u8.ToArray()), (0, "b.example"u8.ToArray()))))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.Extensions[0] = (0, []))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.Extensions[0] = (0, ClientHelloBuilder.Vector16([])))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.Extensions[0] = (0, ClientHelloBuilder.ServerNameList((0, []))))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.AddExtension(16, ClientHelloBuilder.Vector16([])))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.AddExtension(16, ClientHelloBuilder.Vector16([0, 2, (byte)'h', (byte)'2'])))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.AddExtension(43, [3, 3, 4, 3]))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.AddExtension(43, [0]))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.AddExtension(41, [0]).AddExtension(45, [1, 1]))));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(With(b => b.AddExtension(0x0a0a, []).AddExtension(0x0a0a, []))));

        // pre_shared_key last is fine (RFC 8446 §4.2.11).
        Assert.Equal(ClientHelloParseStatus.Success, Parse(With(b => b.AddExtension(45, [1, 1]).AddExtension(41, [0]))));
    }

    [Theory]
    [InlineData(101)]  // tracked inline before the switch to the bitmap
    [InlineData(4_000)] // tracked only by the bitmap
    public void TryParse_ThousandsOfExtensionsWithDuplicate_Malformed(int duplicate)
    {
        // 4,000 empty extensions (~16 KB) overflow the inline set; duplicates must still be found exactly.
        var builder = new ClientHelloBuilder();
        for (int type = 100; type < 4_100; type++)
        {
            builder.AddExtension((ushort)type, []);
        }

        var stopwatch = Stopwatch.StartNew();
        Assert.Equal(ClientHelloParseStatus.Success, Parse(builder.Build()));
        Assert.Equal(ClientHelloParseStatus.Malformed, Parse(builder.AddExtension((ushort)duplicate, []).Build()));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2));
    }

    [Theory]
    [MemberData(nameof(ClientHelloCaptures.All), MemberType = typeof(ClientHelloCaptures))]
    public void TryParse_EveryLengthFieldCorrupted_TypedStatus(string name)
    {
        byte[] capture = ClientHelloCaptures.Load(name);
        var fields = ClientHelloLengthFields.Find(capture);
        Assert.True(fields.Count >= 8);

        foreach (var (offset, size, field) in fields)
        {
            long original = ReadBigEndian(capture, offset, size);
            long max = (1L << (8 * size)) - 1;
            foreach (long value in new[] { 0, 1, original - 1, original + 1, original + 2, original * 2, max - 1, max })
            {
                if (value < 0 || value > max || value == original)
                {
                    continue;
                }

                byte[] corrupted = (byte[])capture.Clone();
                WriteBigEndian(corrupted, offset, size, value);
                var status = ParseBothWays(corrupted);

                // Fields the parser interprets must be caught. The contents of other extensions are opaque here (SslStream
                // validates them), so a changed length can realign on the next TLV by chance: then only "no crash" applies.
                if (!IsOpaqueExtensionLength(field))
                {
                    Assert.True(status != ClientHelloParseStatus.Success, $"{field}@{offset} = {value} parsed as Success");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ClientHelloCaptures.All), MemberType = typeof(ClientHelloCaptures))]
    public void TryParse_BodyTruncatedWithConsistentOuterLengths_Malformed(string name)
    {
        // Record and handshake lengths say "complete", but an inner vector is cut short.
        byte[] body = ClientHelloCaptures.Load(name)[9..];
        int endOfCompression = ClientHelloLengthFields.Find(ClientHelloCaptures.Load(name)).First(f => f.Name == "compression_methods").Offset - 9;
        endOfCompression += 1 + body[endOfCompression];

        for (int length = 0; length < body.Length; length++)
        {
            byte[] records = ClientHelloBuilder.ToRecords(ClientHelloBuilder.HandshakeMessage(1, body[..length]), 1 << 14);
            var expected = length == endOfCompression ? ClientHelloParseStatus.Success : ClientHelloParseStatus.Malformed;

            Assert.Equal(expected, Parse(records));
        }
    }

    [Fact]
    public void TryParse_RandomMutations_NeverThrowsAndBothPathsAgree()
    {
        var random = new Random(8701);
        var captures = ClientHelloCaptures.Names.Select(ClientHelloCaptures.Load).ToArray();
        var seen = new Dictionary<ClientHelloParseStatus, int>();
        var stopwatch = Stopwatch.StartNew();

        for (int i = 0; i < 20_000; i++)
        {
            byte[] mutated = (byte[])captures[i % captures.Length].Clone();
            int mutations = 1 + random.Next(4);
            for (int m = 0; m < mutations; m++)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            if (random.Next(4) == 0)
            {
                mutated = mutated[..random.Next(mutated.Length)];
            }

            var status = ParseBothWays(mutated, random.Next(mutated.Length + 1));
            seen[status] = seen.GetValueOrDefault(status) + 1;
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.True(seen.Count >= 4, string.Join(", ", seen));
    }

    private static bool IsOpaqueExtensionLength(string field) =>
        field.StartsWith("extension ", StringComparison.Ordinal) && field is not ("extension 0000" or "extension 000d" or "extension 0010" or "extension 002b");

    private static ClientHelloParseStatus Parse(byte[] bytes) =>
        ClientHelloParser.TryParse(bytes, new byte[ClientHelloParser.MaxServerNameLength], out _);

    /// <summary>Parses contiguously and split in two (and at a given point), asserting identical outcomes and a defined status.</summary>
    private static ClientHelloParseStatus ParseBothWays(byte[] bytes, int split = -1)
    {
        var contiguous = ClientHelloParserSegmentationTests.ParseSpan(bytes);
        Assert.True(Enum.IsDefined(contiguous.Status));

        var segmented = ClientHelloParserSegmentationTests.ParseSequence(
            SegmentedSequence.Split(bytes, split >= 0 ? split : bytes.Length / 2));
        Assert.Equal(contiguous, segmented);
        return contiguous.Status;
    }

    private static long ReadBigEndian(byte[] bytes, int offset, int size) => size switch
    {
        1 => bytes[offset],
        2 => BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(offset)),
        _ => (bytes[offset] << 16) | BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(offset + 1)),
    };

    private static void WriteBigEndian(byte[] bytes, int offset, int size, long value)
    {
        for (int i = size - 1; i >= 0; i--, value >>= 8)
        {
            bytes[offset + i] = (byte)value;
        }
    }
}
