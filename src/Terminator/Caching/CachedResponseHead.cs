using Terminator.Http;

namespace Terminator.Caching;

/// <summary>
/// Encodes a response head for storing: what <see cref="Http1HeadWriter"/> would send for it on this kind of connection
/// (hop-by-hop fields out, the response policy applied, Strict-Transport-Security added when the policy has one and the
/// origin did not), minus any Age the origin sent (a hit writes its own), and without the connection field and the empty
/// line, which depend on the request being answered.
/// </summary>
internal static class CachedResponseHead
{
    private static ReadOnlySpan<byte> Http11Prefix => "HTTP/1.1 "u8;
    private static ReadOnlySpan<byte> AgeName => "Age"u8;

    public static byte[] Encode(HttpResponseHead response, HttpResponsePolicy policy)
    {
        HttpHeadStorage fields = response.Storage;
        int size = Http11Prefix.Length + 4 + response.ReasonPhrase.Length + 2;
        ReadOnlySpan<byte> strictTransportSecurity = policy.StrictTransportSecurityField;
        for (int i = 0; i < fields.Count; i++)
        {
            if (fields.GetKind(i) == HeaderKind.StrictTransportSecurity && !fields.IsHopByHop(i))
            {
                strictTransportSecurity = default; // RFC 6797 §8.1: the upstream's wins
            }

            if (IsStored(fields, i, policy))
            {
                size += fields.GetName(i).Length + 2 + fields.GetValue(i).Length + 2;
            }
        }

        byte[] head = new byte[size + strictTransportSecurity.Length];
        var writer = new SpanCursor(head);
        writer.Append(Http11Prefix);
        int status = response.StatusCode;
        writer.Append((byte)('0' + (status / 100)), (byte)('0' + (status / 10 % 10)), (byte)('0' + (status % 10)), HttpSyntax.SP);
        writer.Append(response.ReasonPhrase);
        writer.Append(HttpSyntax.CR, HttpSyntax.LF);
        for (int i = 0; i < fields.Count; i++)
        {
            if (IsStored(fields, i, policy))
            {
                writer.Append(fields.GetName(i));
                writer.Append((byte)':', HttpSyntax.SP);
                writer.Append(fields.GetValue(i));
                writer.Append(HttpSyntax.CR, HttpSyntax.LF);
            }
        }

        writer.Append(strictTransportSecurity);
        return head;
    }

    // Stored responses have a Content-Length or no body, never Transfer-Encoding, so the framing fields pass as they are.
    private static bool IsStored(HttpHeadStorage fields, int index, HttpResponsePolicy policy) =>
        !fields.IsHopByHop(index) && !policy.Drops(fields.GetKind(index)) && !CacheRequestPolicy.Is(fields.GetName(index), AgeName);

    private ref struct SpanCursor(Span<byte> span)
    {
        private readonly Span<byte> _span = span;
        private int _position;

        public void Append(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_span[_position..]);
            _position += bytes.Length;
        }

        public void Append(byte a, byte b)
        {
            _span[_position++] = a;
            _span[_position++] = b;
        }

        public void Append(byte a, byte b, byte c, byte d)
        {
            _span[_position++] = a;
            _span[_position++] = b;
            _span[_position++] = c;
            _span[_position++] = d;
        }
    }
}
