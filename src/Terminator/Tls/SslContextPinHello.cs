using System.Buffers.Binary;

namespace Terminator.Tls;

/// <summary>
/// The ClientHello an <see cref="SslContextPin"/> feeds its server stream: TLS 1.3 only, X25519 with a fixed public
/// key (RFC 7748 §6.1's test vector: nobody holds a secret that matters for it), the three TLS 1.3 AEAD suites and the
/// signature schemes an ECDSA or RSA certificate can sign with. No SNI and no ALPN: the server options are given
/// directly. Built once.
/// </summary>
internal static class SslContextPinHello
{
    private static readonly byte[] s_x25519PublicKey = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");

    /// <summary>One TLS record holding the ClientHello.</summary>
    public static ReadOnlyMemory<byte> Record { get; } = Build();

    private static byte[] Build()
    {
        byte[] extensions =
        [
            0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,                         // supported_versions: TLS 1.3
            0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d,                   // supported_groups: x25519
            0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, // signature_algorithms
            0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,      // key_share: x25519, 32 bytes
            .. s_x25519PublicKey,
        ];
        byte[] body =
        [
            0x03, 0x03,                                                       // legacy_version
            .. new byte[32],                                                  // random (not secret: nothing is encrypted to it)
            0x00,                                                             // legacy_session_id: empty
            0x00, 0x06, 0x13, 0x01, 0x13, 0x02, 0x13, 0x03,                   // cipher_suites
            0x01, 0x00,                                                       // compression: null
            (byte)(extensions.Length >> 8), (byte)extensions.Length,
            .. extensions,
        ];
        var record = new byte[5 + 4 + body.Length];
        record[0] = 0x16;                                                     // handshake
        record[1] = 0x03;
        record[2] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)(4 + body.Length));
        record[5] = 0x01;                                                     // client_hello
        record[6] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(7), (ushort)body.Length);
        body.CopyTo(record.AsSpan(9));
        return record;
    }
}
