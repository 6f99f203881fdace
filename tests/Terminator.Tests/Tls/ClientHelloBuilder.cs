using System.Buffers.Binary;
using System.Text;

namespace Terminator.Tests.Tls;

/// <summary>Builds synthetic ClientHellos (RFC 8446 §4.1.2) with full control over every field, for edge cases captures lack.</summary>
internal sealed class ClientHelloBuilder
{
    public ushort LegacyVersion { get; set; } = 0x0303;

    public byte[] SessionId { get; set; } = new byte[32];

    public ushort[] CipherSuites { get; set; } = [0x1301, 0x1302, 0xc02b];

    public byte[] CompressionMethods { get; set; } = [0];

    /// <summary>False to end the message after compression_methods (a pre-extension TLS 1.0–1.2 client).</summary>
    public bool IncludeExtensions { get; set; } = true;

    public List<(ushort Type, byte[] Data)> Extensions { get; } = [];

    public ClientHelloBuilder AddExtension(ushort type, byte[] data)
    {
        Extensions.Add((type, data));
        return this;
    }

    public ClientHelloBuilder WithServerName(string host) => WithServerNameBytes(Encoding.UTF8.GetBytes(host));

    public ClientHelloBuilder WithServerNameBytes(byte[] host) => AddExtension(0, ServerNameList((0, host)));

    public ClientHelloBuilder WithAlpn(params string[] protocols) =>
        AddExtension(16, Vector16(Concat(protocols.Select(p => Vector8(Encoding.ASCII.GetBytes(p))))));

    /// <summary>signature_algorithms (13, RFC 8446 §4.2.3), or signature_algorithms_cert (50) with <paramref name="type"/>.</summary>
    public ClientHelloBuilder WithSignatureAlgorithms(ushort[] schemes, ushort type = 13) =>
        AddExtension(type, Vector16(Concat(schemes.Select(U16))));

    public ClientHelloBuilder WithSupportedVersions(params ushort[] versions) =>
        AddExtension(43, Vector8(Concat(versions.Select(U16))));

    /// <summary>A browser-like hello with GREASE (RFC 8701) in cipher suites, extensions, groups, versions, ALPN and key_share.</summary>
    public static ClientHelloBuilder BrowserLike(string host)
    {
        var builder = new ClientHelloBuilder { CipherSuites = [0x8a8a, 0x1301, 0x1302, 0x1303, 0xc02b] };
        builder.AddExtension(0xdada, []);
        builder.WithServerName(host);
        builder.AddExtension(10, Vector16(Concat([U16(0x4a4a), U16(0x001d), U16(0x0017)])));       // supported_groups
        builder.AddExtension(16, Vector16(Concat([Vector8([0x3a, 0x3a]), Vector8("h2"u8.ToArray()), Vector8("http/1.1"u8.ToArray())])));
        builder.AddExtension(51, Vector16(Concat([U16(0x4a4a), Vector16([0]), U16(0x001d), Vector16(new byte[32])]))); // key_share
        builder.WithSupportedVersions(0x7a7a, 0x0304, 0x0303);
        builder.AddExtension(0x1a1a, [0]);
        return builder;
    }

    /// <summary>The handshake message: msg_type(1) + uint24 length + body (RFC 8446 §4).</summary>
    public byte[] BuildMessage()
    {
        var body = new List<byte>();
        body.AddRange(U16(LegacyVersion));
        body.AddRange(Enumerable.Range(0, 32).Select(i => (byte)i));
        body.AddRange(Vector8(SessionId));
        body.AddRange(Vector16(Concat(CipherSuites.Select(U16))));
        body.AddRange(Vector8(CompressionMethods));
        if (IncludeExtensions)
        {
            body.AddRange(Vector16(Concat(Extensions.Select(e => Concat([U16(e.Type), Vector16(e.Data)])))));
        }

        return HandshakeMessage(1, [.. body]);
    }

    /// <summary>The message wrapped in handshake records of at most <paramref name="fragmentSize"/> payload bytes.</summary>
    public byte[] Build(int fragmentSize = 1 << 14) => ToRecords(BuildMessage(), fragmentSize);

    public static byte[] HandshakeMessage(byte type, byte[] body)
    {
        var message = new byte[4 + body.Length];
        message[0] = type;
        message[1] = (byte)(body.Length >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)body.Length);
        body.CopyTo(message, 4);
        return message;
    }

    /// <summary>Fragments a handshake message into records (RFC 8446 §5.1), legacy_record_version 0x0301 like real clients.</summary>
    public static byte[] ToRecords(byte[] message, int fragmentSize, byte contentType = 22)
    {
        var records = new List<byte>();
        for (int offset = 0; offset < message.Length; offset += fragmentSize)
        {
            int length = Math.Min(fragmentSize, message.Length - offset);
            records.AddRange(RecordHeader(contentType, length));
            records.AddRange(message.AsSpan(offset, length).ToArray());
        }

        return [.. records];
    }

    public static byte[] RecordHeader(byte contentType, int length) => [contentType, 3, 1, (byte)(length >> 8), (byte)length];

    /// <summary>The single handshake message carried by a one-record capture.</summary>
    public static byte[] MessageOf(byte[] singleRecord) => singleRecord[5..];

    public static byte[] ServerNameList(params (byte Type, byte[] Name)[] entries) =>
        Vector16(Concat(entries.Select(e => Concat([[e.Type], Vector16(e.Name)]))));

    public static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];

    public static byte[] Vector8(byte[] data) => Concat([[(byte)data.Length], data]);

    public static byte[] Vector16(byte[] data) => Concat([U16((ushort)data.Length), data]);

    public static byte[] Concat(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();
}
