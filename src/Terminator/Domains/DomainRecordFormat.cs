using System.Buffers.Binary;
using System.Text;

namespace Terminator.Domains;

/// <summary>
/// The on-disk format of the managed-domain journal and snapshot files. Little-endian throughout.
/// <code>
/// file    = header *frame
/// header  = magic(8: "TDOMJNL1" | "TDOMSNP1") generation(u64) count(u64; snapshot: its records, journal: 0)
/// frame   = length(u32, of payload) crc32c(u32, of payload) payload
/// payload = kind(u8) body
///   put     name(u8 len, ASCII) state(u8) keyTypes(u8) added(i64 ms) updated(i64 ms) notAfter(i64 ms | i64.MinValue)
///           nextRenewal(i64 ms | i64.MinValue) attempts(i32) lastError(u16 len, UTF-8; 0xFFFF = null)
///           certificateIds(u8 count, then each u8 len, ASCII)
///           [issuedBy(u8 len, ASCII) issuedAt(i64 ms | i64.MinValue)]   -- only when issued by a fleet node
///   remove  name(u8 len, ASCII)
///   end     count(u64)   -- snapshots only: the records before it; a snapshot without it is incomplete
/// </code>
/// Times are Unix milliseconds (UTC). The checksum covers the payload only; a length beyond
/// <see cref="MaxPayloadLength"/> is damage, not a record.
/// </summary>
internal static class DomainRecordFormat
{
    public const int HeaderLength = 24;
    public const int FrameHeaderLength = 8;

    /// <summary>Larger than any record can be (~5.6 KiB with a 1,024-character error of 3-byte characters and 8 ids of 255).</summary>
    public const int MaxPayloadLength = 8 * 1024;

    public const int MaxFrameLength = FrameHeaderLength + MaxPayloadLength;

    private const long NoTime = long.MinValue;
    private const ushort NoError = ushort.MaxValue;

    public static ReadOnlySpan<byte> JournalMagic => "TDOMJNL1"u8;
    public static ReadOnlySpan<byte> SnapshotMagic => "TDOMSNP1"u8;

    public static void WriteHeader(Span<byte> destination, ReadOnlySpan<byte> magic, long generation, long count)
    {
        magic.CopyTo(destination);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], generation);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], count);
    }

    public static bool TryReadHeader(ReadOnlySpan<byte> source, ReadOnlySpan<byte> magic, out long generation, out long count)
    {
        generation = count = 0;
        if (source.Length < HeaderLength || !source[..8].SequenceEqual(magic))
        {
            return false;
        }

        generation = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        count = BinaryPrimitives.ReadInt64LittleEndian(source[16..]);
        return generation >= 0 && count >= 0;
    }

    /// <summary>Writes the frame of a put; returns its length. <paramref name="destination"/> holds at least <see cref="MaxFrameLength"/> bytes.</summary>
    public static int WritePut(ManagedDomain domain, Span<byte> destination)
    {
        Span<byte> payload = destination[FrameHeaderLength..];
        payload[0] = (byte)DomainRecordKind.Put;
        int at = WriteAscii(payload, 1, domain.Name);
        payload[at++] = (byte)domain.State;
        payload[at++] = (byte)domain.KeyTypes;
        at = WriteTime(payload, at, domain.Added);
        at = WriteTime(payload, at, domain.Updated);
        at = WriteTime(payload, at, domain.NotAfter);
        at = WriteTime(payload, at, domain.NextRenewal);
        BinaryPrimitives.WriteInt32LittleEndian(payload[at..], domain.Attempts);
        at += 4;
        if (domain.LastError is null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(payload[at..], NoError);
            at += 2;
        }
        else
        {
            int length = Encoding.UTF8.GetBytes(domain.LastError, payload[(at + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(payload[at..], checked((ushort)length));
            at += 2 + length;
        }

        payload[at++] = checked((byte)domain.CertificateIds.Count);
        foreach (string id in domain.CertificateIds)
        {
            at = WriteAscii(payload, at, id);
        }

        // Optional trailer: a record without it (every single-node record) is byte for byte what earlier builds wrote.
        if (domain.IssuedBy is not null)
        {
            at = WriteAscii(payload, at, domain.IssuedBy);
            at = WriteTime(payload, at, domain.IssuedAt);
        }

        return Seal(destination, at);
    }

    public static int WriteRemove(string name, Span<byte> destination)
    {
        Span<byte> payload = destination[FrameHeaderLength..];
        payload[0] = (byte)DomainRecordKind.Remove;
        return Seal(destination, WriteAscii(payload, 1, name));
    }

    public static int WriteEnd(long count, Span<byte> destination)
    {
        Span<byte> payload = destination[FrameHeaderLength..];
        payload[0] = (byte)DomainRecordKind.End;
        BinaryPrimitives.WriteInt64LittleEndian(payload[1..], count);
        return Seal(destination, 9);
    }

    /// <summary>Decodes a payload whose checksum matched; false when its content is not a record (damage the checksum missed, or a newer format).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, out DomainRecord record)
    {
        record = default;
        try
        {
            return TryDecodeUnchecked(payload, out record);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or DecoderFallbackException)
        {
            return false; // a length field that points past the payload
        }
    }

    private static bool TryDecodeUnchecked(ReadOnlySpan<byte> payload, out DomainRecord record)
    {
        record = default;
        if (payload.IsEmpty)
        {
            return false;
        }

        int at = 1;
        switch ((DomainRecordKind)payload[0])
        {
            case DomainRecordKind.Put:
                string name = ReadAscii(payload, ref at);
                var state = (ManagedDomainState)payload[at++];
                var keyTypes = (ManagedKeyTypes)payload[at++];
                DateTimeOffset added = ReadTime(payload, ref at) ?? default;
                DateTimeOffset updated = ReadTime(payload, ref at) ?? default;
                DateTimeOffset? notAfter = ReadTime(payload, ref at);
                DateTimeOffset? nextRenewal = ReadTime(payload, ref at);
                int attempts = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
                at += 4;
                ushort errorLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[at..]);
                at += 2;
                string? lastError = null;
                if (errorLength != NoError)
                {
                    lastError = Encoding.UTF8.GetString(payload.Slice(at, errorLength));
                    at += errorLength;
                }

                int idCount = payload[at++];
                string[] ids = idCount == 0 ? [] : new string[idCount];
                for (int i = 0; i < idCount; i++)
                {
                    ids[i] = ReadAscii(payload, ref at);
                }

                string? issuedBy = null;
                DateTimeOffset? issuedAt = null;
                if (at < payload.Length)
                {
                    issuedBy = ReadAscii(payload, ref at);
                    issuedAt = ReadTime(payload, ref at);
                }

                if (at != payload.Length || name.Length == 0 || !Enum.IsDefined(state) || keyTypes is not (ManagedKeyTypes.Ecdsa or ManagedKeyTypes.Rsa or ManagedKeyTypes.Both))
                {
                    return false;
                }

                record = new DomainRecord(DomainRecordKind.Put, new ManagedDomain
                {
                    Name = name,
                    State = state,
                    KeyTypes = keyTypes,
                    Added = added,
                    Updated = updated,
                    NotAfter = notAfter,
                    NextRenewal = nextRenewal,
                    Attempts = attempts,
                    LastError = lastError,
                    CertificateIds = ids,
                    IssuedBy = issuedBy,
                    IssuedAt = issuedAt,
                }, name, 0);
                return true;
            case DomainRecordKind.Remove:
                string removed = ReadAscii(payload, ref at);
                record = new DomainRecord(DomainRecordKind.Remove, null, removed, 0);
                return at == payload.Length && removed.Length > 0;
            case DomainRecordKind.End:
                record = new DomainRecord(DomainRecordKind.End, null, null, BinaryPrimitives.ReadInt64LittleEndian(payload[1..]));
                return payload.Length == 9;
            default:
                return false;
        }
    }

    private static int Seal(Span<byte> frame, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32C.Compute(frame.Slice(FrameHeaderLength, payloadLength)));
        return FrameHeaderLength + payloadLength;
    }

    private static int WriteAscii(Span<byte> payload, int at, string text)
    {
        payload[at] = checked((byte)text.Length);
        int written = Encoding.ASCII.GetBytes(text, payload[(at + 1)..]);
        return at + 1 + written;
    }

    private static string ReadAscii(ReadOnlySpan<byte> payload, ref int at)
    {
        int length = payload[at];
        ReadOnlySpan<byte> bytes = payload.Slice(at + 1, length);
        at += 1 + length;
        if (!Ascii.IsValid(bytes))
        {
            throw new DecoderFallbackException("not ASCII");
        }

        return Encoding.ASCII.GetString(bytes);
    }

    private static int WriteTime(Span<byte> payload, int at, DateTimeOffset? time)
    {
        BinaryPrimitives.WriteInt64LittleEndian(payload[at..], time is { } t ? t.ToUnixTimeMilliseconds() : NoTime);
        return at + 8;
    }

    private static DateTimeOffset? ReadTime(ReadOnlySpan<byte> payload, ref int at)
    {
        long value = BinaryPrimitives.ReadInt64LittleEndian(payload[at..]);
        at += 8;
        if (value == NoTime)
        {
            return null;
        }

        // Outside DateTimeOffset's range is damage; the caller's catch turns it into "not a record".
        return DateTimeOffset.FromUnixTimeMilliseconds(value);
    }
}
