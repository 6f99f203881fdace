using System.Buffers;

namespace Terminator.Tls;

/// <summary>
/// Allocation-free peek at a TLS ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) to learn the SNI host name, offered
/// versions, ALPN protocols and whether ECDSA signatures are accepted before <c>SslStream</c> runs. Nothing is consumed: the caller replays the same bytes.
/// </summary>
internal static class ClientHelloParser
{
    /// <summary>Minimum size of the caller's host-name buffer (RFC 1035 §2.3.4 caps a name at 255 octets).</summary>
    public const int MaxServerNameLength = 255;

    /// <summary>Cap on the ClientHello handshake body; anything declaring more yields <see cref="ClientHelloParseStatus.TooLarge"/>.</summary>
    public const int MaxClientHelloSize = 16 * 1024;

    /// <summary>Reassembly of a fragmented hello uses the stack up to this size and <see cref="ArrayPool{T}"/> above it.</summary>
    private const int StackCopyLimit = 512;

    /// <summary>
    /// Parses the ClientHello at the start of <paramref name="buffer"/> without consuming anything. On
    /// <see cref="ClientHelloParseStatus.Success"/> the host name (lower-case ASCII, trailing dot removed) is in
    /// <c>serverName[..info.ServerNameLength]</c>. Never throws for bad input; every outcome is a status.
    /// </summary>
    /// <param name="buffer">Bytes received so far, possibly split over many segments.</param>
    /// <param name="serverName">Destination for the host name; at least <see cref="MaxServerNameLength"/> bytes.</param>
    /// <param name="info">Populated on <see cref="ClientHelloParseStatus.Success"/>; default otherwise.</param>
    /// <exception cref="ArgumentException"><paramref name="serverName"/> is shorter than <see cref="MaxServerNameLength"/>.</exception>
    public static ClientHelloParseStatus TryParse(in ReadOnlySequence<byte> buffer, Span<byte> serverName, out ClientHelloInfo info)
    {
        var progress = default(ClientHelloScanProgress);
        return TryParse(buffer, serverName, ref progress, out info);
    }

    /// <summary>
    /// Resumable form for a peek that calls again as more bytes arrive (the buffer always starting at the first byte of
    /// the connection): records already received whole, as recorded in <paramref name="progress"/>, are not scanned
    /// again, so the total work is linear in the hello's size however it is fragmented.
    /// </summary>
    public static ClientHelloParseStatus TryParse(in ReadOnlySequence<byte> buffer, Span<byte> serverName, ref ClientHelloScanProgress progress, out ClientHelloInfo info)
    {
        EnsureServerNameBuffer(serverName);
        info = default;
        int recordBytes;
        int messageLength;
        var status = buffer.IsSingleSegment
            ? ClientHelloRecordScanner.Scan(buffer.FirstSpan, ref progress, out recordBytes, out messageLength)
            : ClientHelloRecordScanner.Scan(buffer, ref progress, out recordBytes, out messageLength);
        if (status != ClientHelloParseStatus.Success)
        {
            return status;
        }

        // Fast path: the first segment alone holds every record (the usual case: one TCP read, one pipe segment).
        var first = buffer.FirstSpan;
        if (recordBytes <= first.Length)
        {
            return ParseScanned(first[..recordBytes], messageLength, serverName, out info);
        }

        int messageTotal = ClientHelloRecordScanner.HandshakeHeaderLength + messageLength;
        byte[]? rented = null;
        Span<byte> message = messageTotal <= StackCopyLimit
            ? stackalloc byte[StackCopyLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(messageTotal));
        try
        {
            message = message[..messageTotal];
            ClientHelloRecordScanner.CopyHandshake(buffer.Slice(0, recordBytes), message);
            return ClientHelloBodyParser.Parse(message[ClientHelloRecordScanner.HandshakeHeaderLength..], serverName, out info);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Contiguous-buffer convenience overload of <see cref="TryParse(in ReadOnlySequence{byte}, Span{byte}, out ClientHelloInfo)"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="serverName"/> is shorter than <see cref="MaxServerNameLength"/>.</exception>
    public static ClientHelloParseStatus TryParse(ReadOnlySpan<byte> buffer, Span<byte> serverName, out ClientHelloInfo info)
    {
        EnsureServerNameBuffer(serverName);
        info = default;
        var progress = default(ClientHelloScanProgress);
        var status = ClientHelloRecordScanner.Scan(buffer, ref progress, out int recordBytes, out int messageLength);
        if (status != ClientHelloParseStatus.Success)
        {
            return status;
        }

        return ParseScanned(buffer[..recordBytes], messageLength, serverName, out info);
    }

    /// <summary>Parses records already validated by the scanner; parses in place when a single record carries the message.</summary>
    private static ClientHelloParseStatus ParseScanned(ReadOnlySpan<byte> records, int messageLength, Span<byte> serverName, out ClientHelloInfo info)
    {
        const int Headers = ClientHelloRecordScanner.RecordHeaderLength + ClientHelloRecordScanner.HandshakeHeaderLength;
        if (records.Length == Headers + messageLength)
        {
            return ClientHelloBodyParser.Parse(records.Slice(Headers, messageLength), serverName, out info);
        }

        // RFC 8446 §5.1: the message is fragmented over several records; reassemble it logically.
        int messageTotal = ClientHelloRecordScanner.HandshakeHeaderLength + messageLength;
        byte[]? rented = null;
        Span<byte> message = messageTotal <= StackCopyLimit
            ? stackalloc byte[StackCopyLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(messageTotal));
        try
        {
            message = message[..messageTotal];
            ClientHelloRecordScanner.CopyHandshake(records, message);
            return ClientHelloBodyParser.Parse(message[ClientHelloRecordScanner.HandshakeHeaderLength..], serverName, out info);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void EnsureServerNameBuffer(Span<byte> serverName)
    {
        if (serverName.Length < MaxServerNameLength)
        {
            throw new ArgumentException($"The server name buffer must hold at least {MaxServerNameLength} bytes.", nameof(serverName));
        }
    }
}
