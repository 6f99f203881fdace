using System.Buffers;

namespace Terminator.Http;

/// <summary>
/// Serialises heads for forwarding. Field names and values are written byte for byte as received (only the whitespace
/// around the colon is normalised to ": "); hop-by-hop fields (RFC 9110 §7.6.1) are removed. Sizes are computed first so
/// each head is a single <see cref="IBufferWriter{T}.GetSpan"/> + <see cref="IBufferWriter{T}.Advance"/>.
/// </summary>
internal static class Http1HeadWriter
{
    private static ReadOnlySpan<byte> Http11Suffix => " HTTP/1.1\r\n"u8;
    private static ReadOnlySpan<byte> Http11Prefix => "HTTP/1.1 "u8;
    private static ReadOnlySpan<byte> ColonSpace => ": "u8;
    private static ReadOnlySpan<byte> CommaSpace => ", "u8;
    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;
    private static ReadOnlySpan<byte> ConnectionClose => "Connection: close\r\n"u8;
    private static ReadOnlySpan<byte> ConnectionKeepAlive => "Connection: keep-alive\r\n"u8;

    /// <summary>
    /// Writes the upstream request head with <see cref="ForwardedHeadersMode.Replace"/>, the edge default.
    /// </summary>
    public static void WriteRequest(IBufferWriter<byte> output, HttpRequestHead head, ReadOnlySpan<byte> clientAddress,
        ReadOnlySpan<byte> forwardedProto) =>
        WriteRequest(output, head, clientAddress, forwardedProto, ForwardedHeadersMode.Replace);

    /// <summary>
    /// Writes the upstream request head: "&lt;method&gt; &lt;origin-form target&gt; HTTP/1.1" (see
    /// <see cref="HttpRequestHead.OriginFormTarget"/>), every field as received except hop-by-hop
    /// ones, client-sent X-Forwarded-Proto and the forwarding fields <paramref name="forwardedHeaders"/> removes; then
    /// "X-Forwarded-For: &lt;clientAddress&gt;" (with <see cref="ForwardedHeadersMode.Append"/>: "&lt;client values, in
    /// order&gt;, &lt;clientAddress&gt;") and "X-Forwarded-Proto: &lt;forwardedProto&gt;". Content-Length /
    /// Transfer-Encoding are kept (body forwarded verbatim). HTTP/1.0 requests go upstream as HTTP/1.1 (persistent by
    /// default, RFC 9112 §9.3).
    /// </summary>
    public static void WriteRequest(IBufferWriter<byte> output, HttpRequestHead head, ReadOnlySpan<byte> clientAddress,
        ReadOnlySpan<byte> forwardedProto, ForwardedHeadersMode forwardedHeaders) =>
        WriteRequest(output, head, clientAddress, forwardedProto, forwardedHeaders, default);

    /// <summary>As above; every field named as <paramref name="fingerprint"/> is dropped and, when it has a value, its
    /// own line is added last (see <see cref="ClientFingerprintField"/>).</summary>
    public static void WriteRequest(IBufferWriter<byte> output, HttpRequestHead head, ReadOnlySpan<byte> clientAddress,
        ReadOnlySpan<byte> forwardedProto, ForwardedHeadersMode forwardedHeaders, scoped ClientFingerprintField fingerprint)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(head);
        HttpHeadStorage fields = head.Storage;

        int size = head.Method.Length + 1 + head.OriginFormTarget.Length + Http11Suffix.Length;
        int forwardedForSize = HeaderNames.XForwardedFor.Length + ColonSpace.Length + clientAddress.Length + CrLf.Length;
        for (int i = 0; i < fields.Count; i++)
        {
            switch (RequestFieldDisposition(fields, i, forwardedHeaders, fingerprint))
            {
                case Disposition.Copy:
                    size += FieldSize(fields, i);
                    break;
                case Disposition.ForwardedFor when !fields.GetValue(i).IsEmpty:
                    forwardedForSize += fields.GetValue(i).Length + CommaSpace.Length;
                    break;
                default:
                    break;
            }
        }

        size += forwardedForSize + HeaderNames.XForwardedProto.Length + ColonSpace.Length + forwardedProto.Length
            + CrLf.Length + CrLf.Length;
        if (fingerprint.HasValue)
        {
            size += fingerprint.Name.Length + ColonSpace.Length + fingerprint.Value.Length + CrLf.Length;
        }

        Span<byte> span = output.GetSpan(size);
        int position = 0;
        Append(span, ref position, head.Method);
        span[position++] = HttpSyntax.SP;
        Append(span, ref position, head.OriginFormTarget);
        Append(span, ref position, Http11Suffix);
        for (int i = 0; i < fields.Count; i++)
        {
            if (RequestFieldDisposition(fields, i, forwardedHeaders, fingerprint) == Disposition.Copy)
            {
                AppendField(span, ref position, fields.GetName(i), fields.GetValue(i));
            }
        }

        // Append: all client X-Forwarded-For lines combined in order, then the address we actually saw. Replace: only the latter.
        Append(span, ref position, HeaderNames.XForwardedFor);
        Append(span, ref position, ColonSpace);
        for (int i = 0; i < fields.Count; i++)
        {
            if (RequestFieldDisposition(fields, i, forwardedHeaders, fingerprint) == Disposition.ForwardedFor && !fields.GetValue(i).IsEmpty)
            {
                Append(span, ref position, fields.GetValue(i));
                Append(span, ref position, CommaSpace);
            }
        }

        Append(span, ref position, clientAddress);
        Append(span, ref position, CrLf);
        AppendField(span, ref position, HeaderNames.XForwardedProto, forwardedProto);
        if (fingerprint.HasValue)
        {
            AppendField(span, ref position, fingerprint.Name, fingerprint.Value);
        }

        Append(span, ref position, CrLf);
        output.Advance(position);
    }

    /// <summary>
    /// Writes the response head to the client: "HTTP/1.1 &lt;code&gt; &lt;reason&gt;", fields minus hop-by-hop ones
    /// (and minus Content-Length when Transfer-Encoding is present, RFC 9112 §6.3 item 3), plus "Connection: close" when
    /// <paramref name="closeConnection"/>. Every other field is relayed (<see cref="HttpResponsePolicy.PassThrough"/>).
    /// </summary>
    public static void WriteResponse(IBufferWriter<byte> output, HttpResponseHead head, bool closeConnection) =>
        WriteResponse(output, head, closeConnection, announceKeepAlive: false, HttpResponsePolicy.PassThrough);

    /// <summary>As above; <paramref name="announceKeepAlive"/> adds <c>Connection: keep-alive</c>, which an HTTP/1.0
    /// client needs to see before it keeps the connection open (RFC 9112 §C.2.2; 1.1 is persistent by default).</summary>
    public static void WriteResponse(IBufferWriter<byte> output, HttpResponseHead head, bool closeConnection, bool announceKeepAlive) =>
        WriteResponse(output, head, closeConnection, announceKeepAlive, HttpResponsePolicy.PassThrough);

    /// <summary>
    /// As above, applying <paramref name="policy"/> in the same pass over the fields: the fields it drops (Server,
    /// X-Powered-By) are skipped like hop-by-hop ones, and its Strict-Transport-Security line is added to a final
    /// response that carries none (an upstream's own value wins; 1xx interim responses get nothing).
    /// </summary>
    public static void WriteResponse(IBufferWriter<byte> output, HttpResponseHead head, bool closeConnection, bool announceKeepAlive,
        HttpResponsePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(policy);
        HttpHeadStorage fields = head.Storage;
        announceKeepAlive &= !closeConnection;

        int size = Http11Prefix.Length + 4 + head.ReasonPhrase.Length + CrLf.Length
            + (closeConnection ? ConnectionClose.Length : 0) + (announceKeepAlive ? ConnectionKeepAlive.Length : 0) + CrLf.Length;
        ReadOnlySpan<byte> strictTransportSecurity = head.IsInformational ? default : policy.StrictTransportSecurityField;
        for (int i = 0; i < fields.Count; i++)
        {
            if (fields.GetKind(i) == HeaderKind.StrictTransportSecurity && !fields.IsHopByHop(i))
            {
                strictTransportSecurity = default; // RFC 6797 §8.1: a UA heeds only the first; the upstream's wins
            }

            if (ShouldCopyResponseField(head, i, policy))
            {
                size += FieldSize(fields, i);
            }
        }

        size += strictTransportSecurity.Length;
        Span<byte> span = output.GetSpan(size);
        int position = 0;
        Append(span, ref position, Http11Prefix);
        int status = head.StatusCode;
        span[position++] = (byte)('0' + (status / 100));
        span[position++] = (byte)('0' + (status / 10 % 10));
        span[position++] = (byte)('0' + (status % 10));
        span[position++] = HttpSyntax.SP;
        Append(span, ref position, head.ReasonPhrase);
        Append(span, ref position, CrLf);
        for (int i = 0; i < fields.Count; i++)
        {
            if (ShouldCopyResponseField(head, i, policy))
            {
                AppendField(span, ref position, fields.GetName(i), fields.GetValue(i));
            }
        }

        Append(span, ref position, strictTransportSecurity);
        if (closeConnection)
        {
            Append(span, ref position, ConnectionClose);
        }
        else if (announceKeepAlive)
        {
            Append(span, ref position, ConnectionKeepAlive);
        }

        Append(span, ref position, CrLf);
        output.Advance(position);
    }

    private enum Disposition
    {
        Copy,
        Drop,
        ForwardedFor,
    }

    private static Disposition RequestFieldDisposition(HttpHeadStorage fields, int index, ForwardedHeadersMode mode,
        scoped ClientFingerprintField fingerprint) =>
        fields.GetKind(index) switch
        {
            // The configured name is never one of the special kinds (start-up validation), so it is an Other.
            HeaderKind.Other when fingerprint.IsEnabled && fingerprint.Matches(fields.GetName(index)) => Disposition.Drop,
            HeaderKind.XForwardedFor => mode == ForwardedHeadersMode.Append ? Disposition.ForwardedFor : Disposition.Drop,
            HeaderKind.XForwardedProto => Disposition.Drop, // we know the real scheme; never trust the client's
            // RFC 7239 §8.1: a received Forwarded field cannot be relied upon, any node including the client may have
            // written it; at the edge no node before us is trusted. X-Forwarded-Host/-Port and X-Real-IP are the same claims.
            HeaderKind.Forwarded or HeaderKind.XForwardedHost or HeaderKind.XForwardedPort or HeaderKind.XRealIp
                when mode == ForwardedHeadersMode.Replace => Disposition.Drop,
            _ => fields.IsHopByHop(index) ? Disposition.Drop : Disposition.Copy,
        };

    private static bool ShouldCopyResponseField(HttpResponseHead head, int index, HttpResponsePolicy policy)
    {
        HttpHeadStorage fields = head.Storage;
        HeaderKind kind = fields.GetKind(index);
        return !fields.IsHopByHop(index)
            && !(head.HasTransferEncoding && kind == HeaderKind.ContentLength)
            && !policy.Drops(kind);
    }

    private static int FieldSize(HttpHeadStorage fields, int index) =>
        fields.GetName(index).Length + ColonSpace.Length + fields.GetValue(index).Length + CrLf.Length;

    private static void AppendField(Span<byte> span, ref int position, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Append(span, ref position, name);
        Append(span, ref position, ColonSpace);
        Append(span, ref position, value);
        Append(span, ref position, CrLf);
    }

    private static void Append(Span<byte> span, ref int position, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[position..]);
        position += bytes.Length;
    }
}
