namespace Terminator.ProxyProtocol;

/// <summary>
/// How far <see cref="ProxyHeaderParser"/> searched a v1 line for its CRLF in earlier reads, so bytes that trickle in
/// are each scanned once. The default value is the start; the step passes it back on each read of one connection.
/// </summary>
internal readonly struct ProxyHeaderScanProgress
{
    internal ProxyHeaderScanProgress(int scanned) => Scanned = scanned;

    /// <summary>Bytes from the start of the connection known to hold no line feed.</summary>
    internal int Scanned { get; }
}
