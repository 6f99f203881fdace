using System.Buffers.Binary;

namespace Terminator.Tests.Tls;

/// <summary>Test-side, independent walk of a valid single-record hello that lists every length field (offset, width, name).</summary>
internal static class ClientHelloLengthFields
{
    public static List<(int Offset, int Size, string Name)> Find(byte[] record)
    {
        var fields = new List<(int, int, string)> { (3, 2, "record"), (6, 3, "handshake") };
        int o = 9 + 2 + 32;
        fields.Add((o, 1, "session_id"));
        o += 1 + record[o];
        fields.Add((o, 2, "cipher_suites"));
        o += 2 + BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(o));
        fields.Add((o, 1, "compression_methods"));
        o += 1 + record[o];
        if (o == record.Length)
        {
            return fields;
        }

        fields.Add((o, 2, "extensions"));
        o += 2;
        while (o < record.Length)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(o));
            int length = BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(o + 2));
            fields.Add((o + 2, 2, $"extension {type:x4}"));
            int data = o + 4;
            switch (type)
            {
                case 0: // RFC 6066 §3: list length, name_type, name length
                    fields.Add((data, 2, "server_name_list"));
                    fields.Add((data + 3, 2, "host_name"));
                    break;
                case 16: // RFC 7301 §3.1: list length, then 1-byte name lengths
                    fields.Add((data, 2, "alpn_list"));
                    for (int p = data + 2; p < data + length; p += 1 + record[p])
                    {
                        fields.Add((p, 1, "alpn_name"));
                    }

                    break;
                case 13: // RFC 8446 §4.2.3: supported_signature_algorithms<2..2^16-2>
                    fields.Add((data, 2, "signature_algorithms"));
                    break;
                case 43: // RFC 8446 §4.2.1
                    fields.Add((data, 1, "supported_versions"));
                    break;
            }

            o = data + length;
        }

        return fields;
    }
}
