namespace Terminator.Http;

/// <summary>
/// The request header that carries the edge's fingerprint of the client (<c>TERMINATOR_JA4_HEADER</c>): every field of
/// that name the client sent is dropped, and the edge's own value (when there is one: not on plain HTTP) is added. The
/// edge is the trust boundary, so the tracking server only ever sees the value computed here.
/// </summary>
/// <param name="Name">The configured field name (a token, validated at start-up); null when the feature is off.</param>
/// <param name="Value">This connection's value; empty to only drop the client's.</param>
internal readonly ref struct ClientFingerprintField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
{
    public ReadOnlySpan<byte> Name { get; } = name;

    public ReadOnlySpan<byte> Value { get; } = value;

    public bool IsEnabled => !Name.IsEmpty;

    /// <summary>True when a line is to be added (a TLS connection with its fingerprint).</summary>
    public bool HasValue => IsEnabled && !Value.IsEmpty;

    /// <summary>
    /// Whether a received field name is this one: case-insensitive (RFC 9110 §5.1), with '_' and '-' the same, because
    /// CGI-style back ends (RFC 3875 §4.1.18: PHP, WSGI, Rack) read "X-JA4" and "X_JA4" as one HTTP_X_JA4 and a client
    /// must not be able to slip its own value in under the other spelling (as for the forwarding fields).
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> received)
    {
        ReadOnlySpan<byte> name = Name;
        if (received.Length != name.Length || name.IsEmpty)
        {
            return false;
        }

        for (int i = 0; i < name.Length; i++)
        {
            byte expected = Fold(name[i]);
            byte actual = Fold(received[i]);
            if (expected != actual)
            {
                return false;
            }
        }

        return true;
    }

    private static byte Fold(byte value) => value switch
    {
        (byte)'_' => (byte)'-',
        >= (byte)'A' and <= (byte)'Z' => (byte)(value | 0x20),
        _ => value,
    };
}
