using System.Buffers;

namespace Terminator.Http;

/// <summary>
/// Locates the end of a message head in a (possibly multi-segment) sequence without copying, enforcing the size limits
/// early and rejecting bare LF line endings (RFC 9112 §2.2 allows accepting them; we are strict to avoid
/// parser-differential smuggling with the upstream).
/// </summary>
internal static class HttpHeadScanner
{
    /// <summary>RFC 9112 §2.2: ignore at least one empty line before the request-line; bounded so CRLF floods are rejected.</summary>
    public const int MaxLeadingEmptyLines = 8;

    /// <summary>Room for method, spaces and version on top of the request-target when bounding the request-line early.</summary>
    public const int RequestLineSlack = 64;

    public static HttpParseResult Scan(in ReadOnlySequence<byte> buffer, HttpLimits limits, bool isRequest,
        out long headStart, out long headEnd, out RequestRejectionReason reason)
    {
        headStart = 0;
        headEnd = 0;
        reason = RequestRejectionReason.None;
        RequestRejectionReason badFirstLine = isRequest
            ? RequestRejectionReason.InvalidRequestLine
            : RequestRejectionReason.InvalidResponseStatusLine;
        var reader = new SequenceReader<byte>(buffer);

        if (isRequest)
        {
            int emptyLines = 0;
            while (reader.TryPeek(out byte first) && (first == HttpSyntax.CR || first == HttpSyntax.LF))
            {
                if (first == HttpSyntax.LF || (reader.TryPeek(1, out byte second) && second != HttpSyntax.LF)
                    || ++emptyLines > MaxLeadingEmptyLines)
                {
                    reason = RequestRejectionReason.InvalidRequestLine;
                    return HttpParseResult.Error;
                }

                if (reader.Remaining < 2)
                {
                    return HttpParseResult.Incomplete;
                }

                reader.Advance(2);
            }

            headStart = reader.Consumed;
        }

        long maxFirstLine = isRequest ? (long)limits.MaxRequestTargetLength + RequestLineSlack : long.MaxValue;
        int lineIndex = 0;
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, HttpSyntax.LF))
            {
                if (lineIndex == 0 && reader.Remaining > maxFirstLine)
                {
                    reason = RequestRejectionReason.RequestTargetTooLong;
                    return HttpParseResult.Error;
                }

                if (buffer.Length >= limits.MaxHeaderBytes)
                {
                    reason = RequestRejectionReason.HeadersTooLarge;
                    return HttpParseResult.Error;
                }

                return HttpParseResult.Incomplete;
            }

            if (lineIndex == 0 && line.Length - 1 > maxFirstLine)
            {
                reason = RequestRejectionReason.RequestTargetTooLong;
                return HttpParseResult.Error;
            }

            if (reader.Consumed > limits.MaxHeaderBytes)
            {
                reason = RequestRejectionReason.HeadersTooLarge;
                return HttpParseResult.Error;
            }

            if (line.IsEmpty || LastByte(line) != HttpSyntax.CR)
            {
                reason = lineIndex == 0 ? badFirstLine : RequestRejectionReason.InvalidHeaderValue; // bare LF
                return HttpParseResult.Error;
            }

            if (line.Length == 1)
            {
                if (lineIndex == 0)
                {
                    reason = badFirstLine;
                    return HttpParseResult.Error;
                }

                headEnd = reader.Consumed;
                return HttpParseResult.Complete;
            }

            if (lineIndex > limits.MaxHeaderCount)
            {
                reason = RequestRejectionReason.TooManyHeaders;
                return HttpParseResult.Error;
            }

            lineIndex++;
        }
    }

    private static byte LastByte(in ReadOnlySequence<byte> line) =>
        line.IsSingleSegment ? line.FirstSpan[^1] : line.Slice(line.Length - 1).FirstSpan[0];
}
