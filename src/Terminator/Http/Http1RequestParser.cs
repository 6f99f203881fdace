using System.Buffers;
using System.Text;

namespace Terminator.Http;

/// <summary>
/// Strict HTTP/1.1 request head parser (RFC 9112). Strictness is deliberate: every ambiguity a lenient upstream might
/// resolve differently (bare LF, obs-fold, CL+TE, odd Transfer-Encoding, duplicate Host) is rejected to prevent request smuggling.
/// </summary>
internal static class Http1RequestParser
{
    /// <summary>
    /// Parses a complete request head (request-line + field lines + empty line) from the start of <paramref name="buffer"/>.
    /// Complete: <paramref name="head"/> is filled and <paramref name="consumed"/> is just after the empty line.
    /// Incomplete: more bytes are needed (<paramref name="consumed"/> = buffer start). Error: <paramref name="reason"/> says why.
    /// </summary>
    public static HttpParseResult TryParse(in ReadOnlySequence<byte> buffer, HttpRequestHead head,
        out SequencePosition consumed, out RequestRejectionReason reason)
    {
        ArgumentNullException.ThrowIfNull(head);
        head.Reset();
        consumed = buffer.Start;
        HttpParseResult result = HttpHeadScanner.Scan(buffer, head.Limits, isRequest: true,
            out long headStart, out long headEnd, out reason);
        if (result != HttpParseResult.Complete)
        {
            return result;
        }

        int length = (int)(headEnd - headStart);
        buffer.Slice(headStart, length).CopyTo(head.Storage.Rent(length));
        reason = ParseHead(head, length);
        if (reason != RequestRejectionReason.None)
        {
            head.Reset();
            return HttpParseResult.Error;
        }

        consumed = buffer.GetPosition(headEnd);
        return HttpParseResult.Complete;
    }

    private static RequestRejectionReason ParseHead(HttpRequestHead head, int length)
    {
        ReadOnlySpan<byte> span = head.Storage.Buffer;
        int lineEnd = span.IndexOf(HttpSyntax.LF) - 1;
        RequestRejectionReason reason = ParseRequestLine(head, span[..lineEnd], out AbsoluteAuthority authority);
        if (reason != RequestRejectionReason.None)
        {
            return reason;
        }

        reason = head.Storage.ParseFields(lineEnd + 2, length - 2);
        return reason != RequestRejectionReason.None ? reason : ApplyFieldSemantics(head, authority);
    }

    /// <summary>Where an absolute-form target's authority sits in the head buffer; <see cref="Length"/> 0 for other forms.</summary>
    private readonly record struct AbsoluteAuthority(int Start, int Length, int DefaultPort);

    /// <summary>RFC 9112 §3: request-line = method SP request-target SP HTTP-version.</summary>
    private static RequestRejectionReason ParseRequestLine(HttpRequestHead head, ReadOnlySpan<byte> line, out AbsoluteAuthority authority)
    {
        authority = default;
        int firstSpace = line.IndexOf(HttpSyntax.SP);
        if (firstSpace < 0)
        {
            return RequestRejectionReason.InvalidRequestLine;
        }

        ReadOnlySpan<byte> method = line[..firstSpace];
        if (!HttpSyntax.IsToken(method))
        {
            return method.IsEmpty ? RequestRejectionReason.InvalidRequestLine : RequestRejectionReason.InvalidMethod;
        }

        int secondSpace = line[(firstSpace + 1)..].IndexOf(HttpSyntax.SP);
        if (secondSpace < 0)
        {
            return RequestRejectionReason.InvalidRequestLine;
        }

        ReadOnlySpan<byte> target = line.Slice(firstSpace + 1, secondSpace);
        ReadOnlySpan<byte> version = line[(firstSpace + secondSpace + 2)..];
        if (target.Length > head.Limits.MaxRequestTargetLength)
        {
            return RequestRejectionReason.RequestTargetTooLong;
        }

        // Visible ASCII only: no CTLs, no spaces, no obs-text (RFC 9112 §3.2, RFC 3986).
        if (target.IsEmpty || target.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E) || !IsAcceptedTargetForm(method, target))
        {
            return RequestRejectionReason.InvalidRequestLine;
        }

        RequestRejectionReason versionReason = ParseVersion(version, out int minor);
        if (versionReason != RequestRejectionReason.None)
        {
            return versionReason;
        }

        head.SetMethod(0, firstSpace);
        head.VersionMinor = minor;
        return target[0] is (byte)'/' or (byte)'*'
            ? SetTarget(head, firstSpace + 1, secondSpace)
            : ParseAbsoluteForm(head, firstSpace + 1, secondSpace, out authority);
    }

    private static RequestRejectionReason SetTarget(HttpRequestHead head, int start, int length)
    {
        head.SetTarget(start, length);
        head.SetOriginFormTarget(start, length);
        return RequestRejectionReason.None;
    }

    /// <summary>
    /// absolute-form = "http" / "https" "://" authority path-abempty [ "?" query ] (RFC 9112 §3.2.2, RFC 9110 §4.2). The
    /// target to forward is its origin-form (RFC 9112 §3.2.1), "/" when the path is empty; the authority is checked
    /// against Host once the fields are parsed.
    /// </summary>
    private static RequestRejectionReason ParseAbsoluteForm(HttpRequestHead head, int start, int length, out AbsoluteAuthority authority)
    {
        Span<byte> buffer = head.Storage.Buffer;
        ReadOnlySpan<byte> target = buffer.Slice(start, length);
        int schemeLength = target[4] == (byte)':' ? 7 : 8; // IsAcceptedTargetForm let only "http://" and "https://" through
        int authorityLength = target[schemeLength..].IndexOfAny("/?#"u8);
        if (authorityLength < 0)
        {
            authorityLength = length - schemeLength;
        }

        authority = new AbsoluteAuthority(start + schemeLength, authorityLength, schemeLength == 7 ? 80 : 443);

        // RFC 9110 §4.2.1: an empty host MUST be rejected; §4.2.4: userinfo SHOULD be treated as an error (it fails the
        // reg-name check here), as should anything else that is not uri-host [ ":" port ].
        if (!HostFieldParser.TrySplit(target.Slice(schemeLength, authorityLength), out _, out int hostLength, out _) || hostLength == 0)
        {
            authority = default;
            return RequestRejectionReason.InvalidRequestLine;
        }

        int pathStart = start + schemeLength + authorityLength;
        int end = start + length;
        if (pathStart == end || buffer[pathStart] != (byte)'/')
        {
            // Empty path: the origin-form needs its "/". The byte after the target is the SP before the version, which
            // has been parsed already, so the query moves one byte right over it instead of into a copy. Target then
            // reads with the "/" that RFC 3986 §6.2.3 normalisation gives an empty http(s) path.
            buffer[pathStart..end].CopyTo(buffer[(pathStart + 1)..]);
            buffer[pathStart] = (byte)'/';
            end++;
        }

        head.SetTarget(start, end - start);
        head.SetOriginFormTarget(pathStart, end - pathStart);
        return RequestRejectionReason.None;
    }

    /// <summary>origin-form, absolute-form (http/https), or asterisk-form for OPTIONS (RFC 9112 §3.2). authority-form (CONNECT) is not proxied.</summary>
    private static bool IsAcceptedTargetForm(ReadOnlySpan<byte> method, ReadOnlySpan<byte> target)
    {
        if (target[0] == (byte)'/')
        {
            return true;
        }

        if (target.Length == 1 && target[0] == (byte)'*')
        {
            return method.SequenceEqual("OPTIONS"u8);
        }

        return (target.Length > 7 && Ascii.EqualsIgnoreCase(target[..7], "http://"u8))
            || (target.Length > 8 && Ascii.EqualsIgnoreCase(target[..8], "https://"u8));
    }

    /// <summary>HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive, RFC 9112 §2.3); only 1.0 and 1.1 are served.</summary>
    internal static RequestRejectionReason ParseVersion(ReadOnlySpan<byte> version, out int minor)
    {
        minor = 0;
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || version[6] != (byte)'.'
            || !char.IsAsciiDigit((char)version[5]) || !char.IsAsciiDigit((char)version[7]))
        {
            return RequestRejectionReason.InvalidRequestLine;
        }

        if (version[5] != (byte)'1' || version[7] > (byte)'1')
        {
            return RequestRejectionReason.UnsupportedHttpVersion;
        }

        minor = version[7] - '0';
        return RequestRejectionReason.None;
    }

    private static RequestRejectionReason ApplyFieldSemantics(HttpRequestHead head, AbsoluteAuthority authority)
    {
        HttpHeadStorage fields = head.Storage;
        long contentLength = -1;
        int transferEncodingCount = 0;
        bool close = false;
        bool keepAlive = false;
        for (int i = 0; i < fields.Count; i++)
        {
            ReadOnlySpan<byte> value = fields.GetValue(i);
            switch (fields.GetKind(i))
            {
                case HeaderKind.Host:
                    if (head.HostIndex >= 0)
                    {
                        return RequestRejectionReason.MultipleHost; // RFC 9112 §3.2
                    }

                    // RFC 9112 §3.2: a Host that is not uri-host [ ":" port ] gets 400; also keeps odd bytes away from routing.
                    if (!HostFieldParser.TrySplit(value, out int hostStart, out int hostLength, out _))
                    {
                        return RequestRejectionReason.InvalidHeaderValue;
                    }

                    head.HostIndex = i;
                    head.SetHostName(hostStart, hostLength);
                    break;
                case HeaderKind.ContentLength:
                    RequestRejectionReason clReason = HttpSyntax.ParseContentLength(value, ref contentLength);
                    if (clReason != RequestRejectionReason.None)
                    {
                        return clReason;
                    }

                    break;
                case HeaderKind.TransferEncoding:
                    // We forward bodies verbatim, so only a lone "chunked" is unambiguous; a second TE line would
                    // make "chunked, chunked" (RFC 9112 §6.1: chunked must not be applied twice).
                    if (++transferEncodingCount > 1 || !Ascii.EqualsIgnoreCase(value, "chunked"u8))
                    {
                        return RequestRejectionReason.UnsupportedTransferEncoding;
                    }

                    break;
                case HeaderKind.Connection:
                    close |= HttpSyntax.ListContains(value, "close"u8);
                    keepAlive |= HttpSyntax.ListContains(value, "keep-alive"u8);
                    break;
                case HeaderKind.Expect:
                    head.ExpectContinue |= Ascii.EqualsIgnoreCase(value, "100-continue"u8);
                    break;
                default:
                    break;
            }
        }

        if (head.VersionMinor == 1 && head.HostIndex < 0)
        {
            return RequestRejectionReason.MissingHost;
        }

        // RFC 9112 §3.2.2 has an origin server prefer the target's authority over Host. Forwarded in origin-form the
        // request keeps its Host, so the two must agree, or a client could make the tracking server route by a host its
        // connection (SNI, certificate) never asked for.
        if (authority.Length > 0 && (head.HostIndex < 0
            || !HostFieldParser.AreSameAuthority(fields.Slice(authority.Start, authority.Length), head.Host, authority.DefaultPort)))
        {
            return RequestRejectionReason.HostMismatch;
        }

        if (transferEncodingCount > 0)
        {
            if (contentLength >= 0)
            {
                return RequestRejectionReason.ContentLengthAndTransferEncoding; // RFC 9112 §6.3 item 3: smuggling vector
            }

            if (head.VersionMinor == 0)
            {
                return RequestRejectionReason.UnsupportedTransferEncoding; // RFC 9112 §6.1: HTTP/1.0 + TE is faulty framing
            }

            head.Framing = BodyFraming.Chunked;
        }
        else if (contentLength >= 0)
        {
            head.Framing = BodyFraming.ContentLength;
            head.ContentLength = contentLength;
        }

        head.KeepAlive = head.VersionMinor == 1 ? !close : keepAlive && !close;
        return RequestRejectionReason.None;
    }
}
