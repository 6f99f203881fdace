namespace Terminator.Samples.Origin;

/// <summary>
/// Minimal, allocation-free HTTP/1.1 request-head parser for <see cref="SampleTrackingOrigin"/>. It is deliberately
/// strict (anything odd is <see cref="OriginParseStatus.Malformed"/>) because the origin only needs GET/HEAD.
/// </summary>
internal static class OriginRequestParser
{
    /// <summary>Parses a head without its final empty line (i.e. the bytes before <c>CRLF CRLF</c>).</summary>
    public static OriginParseStatus TryParse(ReadOnlySpan<byte> head, out OriginRequestHead request)
    {
        request = default;
        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> requestLine = lineEnd < 0 ? head : head[..lineEnd];
        ReadOnlySpan<byte> fields = lineEnd < 0 ? default : head[(lineEnd + 2)..];

        // RFC 9112 §3: request-line = method SP request-target SP HTTP-version; exactly single spaces.
        int firstSpace = requestLine.IndexOf((byte)' ');
        if (firstSpace <= 0)
        {
            return OriginParseStatus.Malformed;
        }

        ReadOnlySpan<byte> method = requestLine[..firstSpace];
        ReadOnlySpan<byte> rest = requestLine[(firstSpace + 1)..];
        int secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return OriginParseStatus.Malformed;
        }

        ReadOnlySpan<byte> target = rest[..secondSpace];
        ReadOnlySpan<byte> version = rest[(secondSpace + 1)..];
        if (version.SequenceEqual("HTTP/1.1"u8)) { request.IsHttp10 = false; }
        else if (version.SequenceEqual("HTTP/1.0"u8)) { request.IsHttp10 = true; }
        else { return OriginParseStatus.Malformed; }

        // Visible ASCII only: no CTLs (request smuggling/splitting vectors) and no raw non-ASCII.
        if (method.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) || target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) || target[0] != (byte)'/')
        {
            return OriginParseStatus.Malformed;
        }

        request.IsHead = method.SequenceEqual("HEAD"u8);
        request.IsGetOrHead = request.IsHead || method.SequenceEqual("GET"u8);
        request.Target = target;

        bool close = false, keepAliveToken = false;
        long contentLength = -1;
        while (!fields.IsEmpty)
        {
            int end = fields.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = end < 0 ? fields : fields[..end];
            fields = end < 0 ? default : fields[(end + 2)..];

            // RFC 9112 §5.2: obs-fold is rejected; §5.1: no whitespace between field name and colon.
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t' || line[colon - 1] is (byte)' ' or (byte)'\t')
            {
                return OriginParseStatus.Malformed;
            }

            ReadOnlySpan<byte> name = line[..colon];
            ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(" \t"u8);
            if (value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0)
            {
                return OriginParseStatus.Malformed; // bare CR/LF/NUL inside a field (RFC 9112 §2.2)
            }

            if (name.EqualsIgnoreCase("Connection"u8))
            {
                ScanConnectionTokens(value, ref close, ref keepAliveToken);
            }
            else if (name.EqualsIgnoreCase("Content-Length"u8))
            {
                // RFC 9112 §6.3: an invalid or conflicting Content-Length makes the framing unrecoverable.
                if (value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                {
                    return OriginParseStatus.Malformed;
                }

                long parsed = 0;
                foreach (byte digit in value)
                {
                    parsed = (parsed * 10) + (digit - '0');
                }

                if (contentLength >= 0 && contentLength != parsed)
                {
                    return OriginParseStatus.Malformed;
                }

                contentLength = parsed;
            }
            else if (name.EqualsIgnoreCase("Transfer-Encoding"u8))
            {
                return OriginParseStatus.Malformed; // chunked bodies are out of scope for this sample; 400 + close.
            }
        }

        request.ContentLength = Math.Max(contentLength, 0);
        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with an explicit "keep-alive".
        request.KeepAlive = !close && (!request.IsHttp10 || keepAliveToken);
        return OriginParseStatus.Ok;
    }

    private static void ScanConnectionTokens(ReadOnlySpan<byte> value, ref bool close, ref bool keepAlive)
    {
        while (!value.IsEmpty)
        {
            int comma = value.IndexOf((byte)',');
            ReadOnlySpan<byte> token = (comma < 0 ? value : value[..comma]).Trim(" \t"u8);
            value = comma < 0 ? default : value[(comma + 1)..];
            if (token.EqualsIgnoreCase("close"u8)) { close = true; }
            else if (token.EqualsIgnoreCase("keep-alive"u8)) { keepAlive = true; }
        }
    }

    private static bool EqualsIgnoreCase(this ReadOnlySpan<byte> span, ReadOnlySpan<byte> lowerOrMixed) =>
        System.Text.Ascii.EqualsIgnoreCase(span, lowerOrMixed);
}
