namespace Terminator.Tls;

// The JA4 hook (TERMINATOR_JA4_HEADER): one fingerprint per connection, from the hello the peek already holds.
internal sealed partial class TlsHandshakeStep
{
    private readonly bool _fingerprint;

    /// <summary>The connection's JA4 as the 36 ASCII bytes the proxy writes into its header (the one allocation: once per
    /// connection, shared by all its requests and their access log lines); null when off or not computable.</summary>
    private byte[]? Fingerprint(ReadOnlySpan<byte> hello)
    {
        if (!_fingerprint)
        {
            return null;
        }

        Span<byte> ja4 = stackalloc byte[Ja4Fingerprint.Length];
        // The parser accepted these bytes already; false would mean the two disagree, and then no header beats a wrong one.
        return Ja4Fingerprint.TryCompute(hello, ja4) ? ja4.ToArray() : null;
    }
}
