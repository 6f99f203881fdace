namespace Terminator.Tls;

/// <summary>
/// How far <see cref="ClientHelloParser"/> got through the records of a ClientHello that has not fully arrived: the
/// bytes of the records received whole and the handshake-header state after them. The peek passes it back on each read,
/// so every byte is scanned once however the client fragments its hello (a hello sent as thousands of 1-byte records
/// used to be rescanned from the start on every read: quadratic CPU for linear input). The default value is the start.
/// </summary>
internal readonly struct ClientHelloScanProgress
{
    internal ClientHelloScanProgress(int offset, ClientHelloRecordScanner.HandshakeState state, int recordsScanned)
    {
        Offset = offset;
        State = state;
        RecordsScanned = recordsScanned;
    }

    /// <summary>Bytes of complete records already scanned (from the start of the connection).</summary>
    internal int Offset { get; }

    internal ClientHelloRecordScanner.HandshakeState State { get; }

    /// <summary>Record headers scanned in total, over every call (each record once): the measure of the peek's work.</summary>
    internal int RecordsScanned { get; }
}
