using System.Buffers;
using System.Text;

namespace Terminator.Http;

/// <summary>Parser for upstream HTTP/1.x response heads (RFC 9112 §4, framing per §6.3).</summary>
internal static class Http1ResponseParser
{
    /// <summary>
    /// Parses a complete response head from the start of <paramref name="buffer"/>. Framing (RFC 9112 §6.3): response to HEAD,
    /// 1xx, 204, 304 → None; Transfer-Encoding with final "chunked" → Chunked; other Transfer-Encoding → CloseDelimited;
    /// valid Content-Length → ContentLength; no Content-Length → CloseDelimited. An invalid or conflicting Content-Length
    /// (without Transfer-Encoding) is an Error (§6.3 item 5: a proxy must discard the response and answer 502).
    /// 101 Switching Protocols → Error <see cref="RequestRejectionReason.UnsupportedResponse"/>.
    /// </summary>
    public static HttpParseResult TryParse(in ReadOnlySequence<byte> buffer, HttpResponseHead head, bool requestWasHead,
        out SequencePosition consumed, out RequestRejectionReason reason)
    {
        ArgumentNullException.ThrowIfNull(head);
        head.Reset();
        consumed = buffer.Start;
        HttpParseResult result = HttpHeadScanner.Scan(buffer, head.Limits, isRequest: false,
            out long headStart, out long headEnd, out reason);
        if (result != HttpParseResult.Complete)
        {
            return result;
        }

        int length = (int)(headEnd - headStart);
        buffer.Slice(headStart, length).CopyTo(head.Storage.Rent(length));
        reason = ParseHead(head, length, requestWasHead);
        if (reason != RequestRejectionReason.None)
        {
            head.Reset();
            return HttpParseResult.Error;
        }

        consumed = buffer.GetPosition(headEnd);
        return HttpParseResult.Complete;
    }

    private static RequestRejectionReason ParseHead(HttpResponseHead head, int length, bool requestWasHead)
    {
        ReadOnlySpan<byte> span = head.Storage.Buffer;
        int lineEnd = span.IndexOf(HttpSyntax.LF) - 1;
        RequestRejectionReason reason = ParseStatusLine(head, span[..lineEnd]);
        if (reason != RequestRejectionReason.None)
        {
            return reason;
        }

        reason = head.Storage.ParseFields(lineEnd + 2, length - 2);
        return reason != RequestRejectionReason.None ? reason : ApplyFieldSemantics(head, requestWasHead);
    }

    /// <summary>RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]; a missing final SP is tolerated.</summary>
    private static RequestRejectionReason ParseStatusLine(HttpResponseHead head, ReadOnlySpan<byte> line)
    {
        if (line.Length < 12 || line[8] != HttpSyntax.SP
            || Http1RequestParser.ParseVersion(line[..8], out int minor) != RequestRejectionReason.None)
        {
            return RequestRejectionReason.InvalidResponseStatusLine;
        }

        ReadOnlySpan<byte> code = line.Slice(9, 3);
        if (code.ContainsAnyExceptInRange((byte)'0', (byte)'9') || code[0] < (byte)'1' || code[0] > (byte)'5')
        {
            return RequestRejectionReason.InvalidResponseStatusLine;
        }

        int statusCode = ((code[0] - '0') * 100) + ((code[1] - '0') * 10) + (code[2] - '0');
        if (line.Length > 12)
        {
            // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
            if (line[12] != HttpSyntax.SP || !HttpSyntax.IsValidFieldValue(line[13..]))
            {
                return RequestRejectionReason.InvalidResponseStatusLine;
            }

            head.SetReason(13, line.Length - 13);
        }

        if (statusCode == 101)
        {
            return RequestRejectionReason.UnsupportedResponse; // no protocol upgrades through the terminator
        }

        head.StatusCode = statusCode;
        head.VersionMinor = minor;
        return RequestRejectionReason.None;
    }

    private static RequestRejectionReason ApplyFieldSemantics(HttpResponseHead head, bool requestWasHead)
    {
        HttpHeadStorage fields = head.Storage;
        long contentLength = -1;
        RequestRejectionReason contentLengthError = RequestRejectionReason.None;
        bool hasTransferEncoding = false;
        bool finalChunked = false;
        bool close = false;
        bool keepAlive = false;
        for (int i = 0; i < fields.Count; i++)
        {
            ReadOnlySpan<byte> value = fields.GetValue(i);
            switch (fields.GetKind(i))
            {
                case HeaderKind.ContentLength when contentLengthError == RequestRejectionReason.None:
                    contentLengthError = HttpSyntax.ParseContentLength(value, ref contentLength);
                    break;
                case HeaderKind.TransferEncoding:
                    hasTransferEncoding = true;
                    finalChunked = EndsWithChunked(value);
                    break;
                case HeaderKind.Connection:
                    close |= HttpSyntax.ListContains(value, "close"u8);
                    keepAlive |= HttpSyntax.ListContains(value, "keep-alive"u8);
                    break;
                default:
                    break;
            }
        }

        bool reusable = head.VersionMinor == 1 ? !close : keepAlive && !close;
        head.HasTransferEncoding = hasTransferEncoding;
        int status = head.StatusCode;
        if (requestWasHead || status < 200 || status == 204 || status == 304)
        {
            head.Framing = BodyFraming.None;
        }
        else if (hasTransferEncoding)
        {
            // TE overrides CL; with both present the connection must not be reused (RFC 9112 §6.3 item 3).
            head.Framing = finalChunked ? BodyFraming.Chunked : BodyFraming.CloseDelimited;
            reusable &= finalChunked && contentLength < 0 && contentLengthError == RequestRejectionReason.None;
        }
        else if (contentLengthError != RequestRejectionReason.None)
        {
            return contentLengthError;
        }
        else if (contentLength >= 0)
        {
            head.Framing = BodyFraming.ContentLength;
            head.ContentLength = contentLength;
        }
        else
        {
            head.Framing = BodyFraming.CloseDelimited;
            reusable = false;
        }

        head.KeepAlive = reusable;
        return RequestRejectionReason.None;
    }

    /// <summary>Whether the last element of a Transfer-Encoding list is "chunked" (RFC 9112 §6.3 item 4).</summary>
    private static bool EndsWithChunked(ReadOnlySpan<byte> value)
    {
        int comma = value.LastIndexOf((byte)',');
        return Ascii.EqualsIgnoreCase(HttpSyntax.TrimOws(value[(comma + 1)..]), "chunked"u8);
    }
}
