using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Terminator.ProxyProtocol;

namespace Terminator.Benchmarks;

/// <summary>
/// PROXY protocol header parse as the step runs it once per connection from a balancer: the v1 lines HAProxy writes for
/// IPv4 and IPv6 clients, and v2 headers for both families, the IPv6 one with the TLVs HAProxy and AWS add (authority,
/// SSL with sub-TLVs, an endpoint id) and a CRC32C to verify; contiguous (as the step's buffer is) and split in three.
/// </summary>
[MemoryDiagnoser]
public class ProxyHeaderParserBenchmark
{
    private ReadOnlySequence<byte> _contiguous;
    private ReadOnlySequence<byte> _split;

    [Params("v1-tcp4", "v1-tcp6", "v2-tcp4", "v2-tcp6-tlvs-crc32c")]
    public string Header { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        byte[] header = Header switch
        {
            "v1-tcp4" => Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 192.0.2.10 51234 443\r\n"),
            "v1-tcp6" => Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8:85a3::8a2e:370:7334 2001:db8::a 51234 443\r\n"),
            "v2-tcp4" => Version2(0x11, Addresses("203.0.113.7", "192.0.2.10")),
            _ => WithCrc32C(Version2(0x21, [
                .. Addresses("2001:db8:85a3::8a2e:370:7334", "2001:db8::a"),
                .. Tlv(0x02, "click.shop.example"u8),
                .. Tlv(0x20, [0x01, 0, 0, 0, 0, .. Tlv(0x21, "TLSv1.3"u8), .. Tlv(0x23, "TLS_AES_256_GCM_SHA384"u8)]),
                .. Tlv(0xEA, [0x01, .. "vpce-0123456789abcdef0"u8]),
                .. Tlv(0x03, [0, 0, 0, 0])])),
        };

        // What the step sees: the header and the start of the ClientHello behind it in the same read.
        byte[] stream = [.. header, 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC];
        _contiguous = new ReadOnlySequence<byte>(stream);
        _split = BenchSegment.Split(stream, 3);
        if (Parse(_contiguous) != header.Length || Parse(_split) != header.Length)
        {
            throw new InvalidOperationException($"{Header} does not parse");
        }
    }

    [Benchmark(Baseline = true)]
    public int Contiguous() => Parse(_contiguous);

    [Benchmark]
    public int SplitInThree() => Parse(_split);

    private static int Parse(in ReadOnlySequence<byte> bytes)
    {
        var progress = default(ProxyHeaderScanProgress);
        ProxyHeaderParser.TryParse(bytes, ProxyProtocolVersions.Any, ref progress, out ProxyHeader header);
        return header.Length;
    }

    private static byte[] Addresses(string source, string destination) =>
        [.. IPAddress.Parse(source).GetAddressBytes(), .. IPAddress.Parse(destination).GetAddressBytes(), 0xC8, 0x22, 0x01, 0xBB];

    private static byte[] Tlv(byte type, ReadOnlySpan<byte> value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];

    private static byte[] Version2(byte familyTransport, byte[] payload) =>
        [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, familyTransport, (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    /// <summary>Fills the trailing CRC32C TLV's value (RFC 4960 CRC32c over the header with that value zero).</summary>
    private static byte[] WithCrc32C(byte[] header)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in header)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), ~crc);
        return header;
    }
}
