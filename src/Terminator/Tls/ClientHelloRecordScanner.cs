using System.Buffers;
using System.Buffers.Binary;

namespace Terminator.Tls;

/// <summary>
/// Walks the TLS record layer (RFC 8446 §5.1, RFC 5246 §6.2.1) at the start of a connection to find the records that
/// carry the first handshake message, without copying anything. A handshake message may be fragmented over several
/// records (RFC 8446 §5.1), so the 4-byte handshake header itself may be split; it is accumulated across fragments.
/// </summary>
internal static class ClientHelloRecordScanner
{
    internal const int RecordHeaderLength = 5;
    internal const int HandshakeHeaderLength = 4;

    /// <summary>RFC 8446 §5.1 / RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14.</summary>
    internal const int MaxFragmentLength = 1 << 14;

    private const byte ContentTypeHandshake = 22;
    private const byte HandshakeTypeClientHello = 1;

    /// <summary>
    /// Scans contiguous bytes from <paramref name="progress"/> on. On success returns the byte count of the carrying
    /// records and the ClientHello body length. Every record that arrived whole is recorded in
    /// <paramref name="progress"/>, so the next call (with more bytes appended) does not scan it again.
    /// </summary>
    internal static ClientHelloParseStatus Scan(ReadOnlySpan<byte> buffer, ref ClientHelloScanProgress progress, out int recordBytes, out int messageLength)
    {
        recordBytes = 0;
        messageLength = 0;
        int offset = progress.Offset;
        HandshakeState state = progress.State;
        while (true)
        {
            var header = buffer.Slice(offset, Math.Min(RecordHeaderLength, buffer.Length - offset));
            var status = CheckRecordHeader(header, isFirst: offset == 0, out int fragmentLength);
            if (status != ClientHelloParseStatus.Success)
            {
                return status;
            }

            int fragmentStart = offset + RecordHeaderLength;
            var available = buffer.Slice(fragmentStart, Math.Min(fragmentLength, buffer.Length - fragmentStart));
            if (available.Length < fragmentLength)
            {
                // Feed what is there only to fail early (TooLarge, NotClientHello); the record is scanned again whole.
                HandshakeState partial = state;
                status = partial.Feed(available, fragmentLength, out _);
                return status != ClientHelloParseStatus.Success ? status : ClientHelloParseStatus.NeedMoreData;
            }

            status = state.Feed(available, fragmentLength, out bool endsHere);
            if (status != ClientHelloParseStatus.Success)
            {
                return status;
            }

            offset = fragmentStart + fragmentLength;
            progress = new ClientHelloScanProgress(offset, state, progress.RecordsScanned + 1);
            if (endsHere)
            {
                recordBytes = offset;
                messageLength = state.MessageLength;
                return ClientHelloParseStatus.Success;
            }
        }
    }

    /// <summary>Same as the span overload, for data split over several segments (e.g. several TCP reads).</summary>
    internal static ClientHelloParseStatus Scan(in ReadOnlySequence<byte> buffer, ref ClientHelloScanProgress progress, out int recordBytes, out int messageLength)
    {
        recordBytes = 0;
        messageLength = 0;
        HandshakeState state = progress.State;
        int start = progress.Offset;
        var reader = new SequenceReader<byte>(buffer.Slice(start));
        Span<byte> header = stackalloc byte[RecordHeaderLength];
        Span<byte> fragmentStart = stackalloc byte[HandshakeHeaderLength];
        while (true)
        {
            var headerBytes = header[..(int)Math.Min(RecordHeaderLength, reader.Remaining)];
            reader.TryCopyTo(headerBytes);
            var status = CheckRecordHeader(headerBytes, isFirst: start + reader.Consumed == 0, out int fragmentLength);
            if (status != ClientHelloParseStatus.Success)
            {
                return status;
            }

            reader.Advance(RecordHeaderLength);
            int available = (int)Math.Min(fragmentLength, reader.Remaining);
            var startBytes = fragmentStart[..Math.Min(HandshakeHeaderLength, available)];
            reader.TryCopyTo(startBytes);
            if (available < fragmentLength)
            {
                HandshakeState partial = state;
                status = partial.Feed(startBytes, fragmentLength, out _);
                return status != ClientHelloParseStatus.Success ? status : ClientHelloParseStatus.NeedMoreData;
            }

            status = state.Feed(startBytes, fragmentLength, out bool endsHere);
            if (status != ClientHelloParseStatus.Success)
            {
                return status;
            }

            reader.Advance(fragmentLength);
            // Bounded: at most 2^24 + 4 payload bytes in >= 1-byte fragments, and MaxClientHelloSize caps it far lower.
            int offset = start + (int)reader.Consumed;
            progress = new ClientHelloScanProgress(offset, state, progress.RecordsScanned + 1);
            if (endsHere)
            {
                recordBytes = offset;
                messageLength = state.MessageLength;
                return ClientHelloParseStatus.Success;
            }
        }
    }

    /// <summary>Concatenates the fragments of already-scanned records into <paramref name="destination"/> (header + body).</summary>
    internal static void CopyHandshake(ReadOnlySpan<byte> records, Span<byte> destination)
    {
        int offset = 0;
        int written = 0;
        while (written < destination.Length)
        {
            int fragmentLength = BinaryPrimitives.ReadUInt16BigEndian(records.Slice(offset + 3));
            offset += RecordHeaderLength;
            records.Slice(offset, fragmentLength).CopyTo(destination[written..]);
            written += fragmentLength;
            offset += fragmentLength;
        }
    }

    /// <summary>Sequence overload of <see cref="CopyHandshake(ReadOnlySpan{byte}, Span{byte})"/>.</summary>
    internal static void CopyHandshake(in ReadOnlySequence<byte> records, Span<byte> destination)
    {
        var reader = new SequenceReader<byte>(records);
        int written = 0;
        while (written < destination.Length)
        {
            reader.Advance(3);
            reader.TryReadBigEndian(out short length);
            int fragmentLength = (ushort)length;
            reader.TryCopyTo(destination.Slice(written, fragmentLength));
            reader.Advance(fragmentLength);
            written += fragmentLength;
        }
    }

    /// <summary>Validates a (possibly incomplete) 5-byte record header, deciding as early as the bytes allow.</summary>
    private static ClientHelloParseStatus CheckRecordHeader(ReadOnlySpan<byte> header, bool isFirst, out int fragmentLength)
    {
        fragmentLength = 0;

        // RFC 8446 §5.1 / RFC 5246 §6.2.1: ContentType handshake(22). The ClientHello is the first thing a client sends,
        // so any other first byte (e.g. 'G' of "GET /", or 0x80 of an SSLv2-style hello) means this is not TLS at all.
        // Later records must continue the handshake: §5.1 forbids interleaving other types inside a fragmented message.
        if (header.Length >= 1 && header[0] != ContentTypeHandshake)
        {
            return isFirst ? ClientHelloParseStatus.NotTls : ClientHelloParseStatus.Malformed;
        }

        // legacy_record_version is {3, x} for SSL 3.0 and every TLS version (RFC 8446 §5.1, RFC 5246 Appendix E.1).
        if (header.Length >= 2 && header[1] != 3)
        {
            return isFirst ? ClientHelloParseStatus.NotTls : ClientHelloParseStatus.Malformed;
        }

        if (header.Length < RecordHeaderLength)
        {
            return ClientHelloParseStatus.NeedMoreData;
        }

        fragmentLength = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);

        // RFC 8446 §5.1: length MUST NOT exceed 2^14, and zero-length Handshake fragments MUST NOT be sent.
        if (fragmentLength == 0 || fragmentLength > MaxFragmentLength)
        {
            return ClientHelloParseStatus.Malformed;
        }

        return ClientHelloParseStatus.Success;
    }

    /// <summary>Tracks the handshake header (RFC 8446 §4: msg_type(1) + uint24 length) and the payload seen so far.
    /// The default value is the state before the first record.</summary>
    internal struct HandshakeState
    {
        private uint _header;
        private int _headerFilled;
        private long _payloadDeclared;

        /// <summary>ClientHello body length once the 4-byte handshake header is known, -1 before.</summary>
        public readonly int MessageLength => _headerFilled == HandshakeHeaderLength ? (int)(_header & 0xFF_FFFF) : -1;

        /// <summary>Feeds the first available bytes of a fragment and its declared length.</summary>
        public ClientHelloParseStatus Feed(ReadOnlySpan<byte> fragmentStart, int fragmentLength, out bool endsHere)
        {
            endsHere = false;
            bool headerWasKnown = _headerFilled == HandshakeHeaderLength;
            for (int i = 0; i < fragmentStart.Length && _headerFilled < HandshakeHeaderLength; i++)
            {
                // RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2: a client's first handshake message is client_hello(1).
                if (_headerFilled == 0 && fragmentStart[i] != HandshakeTypeClientHello)
                {
                    return ClientHelloParseStatus.NotClientHello;
                }

                _header = (_header << 8) | fragmentStart[i];
                _headerFilled++;
            }

            // Decide TooLarge from the uint24 length alone, before the body arrives.
            if (!headerWasKnown && MessageLength > ClientHelloParser.MaxClientHelloSize)
            {
                return ClientHelloParseStatus.TooLarge;
            }

            _payloadDeclared += fragmentLength;
            int messageLength = MessageLength;
            if (messageLength >= 0 && _payloadDeclared >= HandshakeHeaderLength + messageLength)
            {
                endsHere = true;

                // The ClientHello is the only handshake message of the client's first flight (RFC 8446 §2, RFC 5246 §7.3),
                // so handshake bytes after it in the same record mean one of the length fields lies.
                if (_payloadDeclared != HandshakeHeaderLength + messageLength)
                {
                    return ClientHelloParseStatus.Malformed;
                }
            }

            return ClientHelloParseStatus.Success;
        }
    }
}
