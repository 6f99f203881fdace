using System.Runtime.CompilerServices;

namespace Terminator.Tls;

// The JA4 hook (TERMINATOR_JA4_HEADER): one fingerprint per connection, from the hello the peek already holds.
internal sealed partial class TlsHandshakeStep
{
    private readonly bool _fingerprint;

    /// <summary>Computes the JA4 of the peeked <paramref name="hello"/> into a value (no heap) while its bytes are still
    /// here: SslStream's replay returns them to the pool. False when off or not computable — the parser accepted these
    /// bytes already, so false means the two disagree, and then no header beats a wrong one.</summary>
    private bool TryFingerprint(ReadOnlySpan<byte> hello, out Ja4Value ja4)
    {
        ja4 = default;
        return _fingerprint && Ja4Fingerprint.TryCompute(hello, ja4);
    }

    /// <summary>The 36 ASCII bytes the proxy writes into its header: the one allocation, made only once the handshake
    /// succeeded, shared by all the connection's requests and their access log lines.</summary>
    private static byte[] ToHeaderValue(in Ja4Value ja4) => ((ReadOnlySpan<byte>)ja4).ToArray();

    [InlineArray(Ja4Fingerprint.Length)]
    private struct Ja4Value
    {
        private byte _first;
    }
}
