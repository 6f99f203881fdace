using System.Buffers;
using System.Text;

namespace Terminator.Samples.Origin;

/// <summary>
/// Extracts, percent-decodes and validates the <c>target</c> query parameter of a click URL
/// (<c>/f/...?target=https%3A%2F%2Fexample.com%2F</c>) without allocating.
/// </summary>
internal static class RedirectTarget
{
    private static readonly SearchValues<byte> NeedsReencoding = SearchValues.Create(MakeReencodeSet());

    /// <summary>Finds the raw (still encoded) value of the first <c>target=</c> query parameter.</summary>
    public static bool TryFindParameter(ReadOnlySpan<byte> requestTarget, out ReadOnlySpan<byte> encodedValue)
    {
        encodedValue = default;
        int question = requestTarget.IndexOf((byte)'?');
        if (question < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> query = requestTarget[(question + 1)..];
        while (!query.IsEmpty)
        {
            int amp = query.IndexOf((byte)'&');
            ReadOnlySpan<byte> pair = amp < 0 ? query : query[..amp];
            query = amp < 0 ? default : query[(amp + 1)..];
            if (pair.StartsWith("target="u8))
            {
                encodedValue = pair[7..];
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Percent-decodes <paramref name="encoded"/> into <paramref name="destination"/> (at least as long as the input)
    /// and checks the result is an absolute http(s) URL with a host and no control characters.
    /// '+' stays '+': click targets are encoded with encodeURIComponent (space = %20), and '+' is legal in URLs.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, Span<byte> destination, out int written)
    {
        written = 0;
        for (int i = 0; i < encoded.Length; i++)
        {
            byte b = encoded[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= encoded.Length)
                {
                    return false; // truncated escape
                }

                int high = HexValue(encoded[i + 1]), low = HexValue(encoded[i + 2]);
                if ((high | low) < 0)
                {
                    return false;
                }

                b = (byte)((high << 4) | low);
                i += 2;
            }

            // CR/LF/NUL and other CTLs would split or corrupt the Location header (RFC 9110 §5.5).
            if (b < 0x20 || b == 0x7F)
            {
                return false;
            }

            destination[written++] = b;
        }

        ReadOnlySpan<byte> url = destination[..written];
        int authorityStart = StartsWithIgnoreCase(url, "https://"u8) ? 8 : StartsWithIgnoreCase(url, "http://"u8) ? 7 : -1;
        return authorityStart > 0 && url.Length > authorityStart && url[authorityStart] is not ((byte)'/' or (byte)'?' or (byte)'#' or (byte)' ');
    }

    /// <summary>Bytes needed by <see cref="WriteLocation"/> for a decoded URL.</summary>
    public static int GetLocationLength(ReadOnlySpan<byte> decoded)
    {
        int length = decoded.Length;
        int index;
        while ((index = decoded.IndexOfAny(NeedsReencoding)) >= 0)
        {
            length += 2;
            decoded = decoded[(index + 1)..];
        }

        return length;
    }

    /// <summary>Copies the URL, re-encoding space and non-ASCII bytes as %XX so the field value stays a valid URI-reference.</summary>
    public static int WriteLocation(ReadOnlySpan<byte> decoded, Span<byte> destination)
    {
        int written = 0;
        foreach (byte b in decoded)
        {
            if (NeedsReencoding.Contains(b))
            {
                destination[written] = (byte)'%';
                destination[written + 1] = HexDigit(b >> 4);
                destination[written + 2] = HexDigit(b & 0xF);
                written += 3;
            }
            else
            {
                destination[written++] = b;
            }
        }

        return written;
    }

    private static byte[] MakeReencodeSet()
    {
        var set = new byte[129];
        set[0] = (byte)' ';
        for (int i = 0; i < 128; i++)
        {
            set[i + 1] = (byte)(0x80 + i);
        }

        return set;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> span, ReadOnlySpan<byte> prefix) =>
        span.Length >= prefix.Length && Ascii.EqualsIgnoreCase(span[..prefix.Length], prefix);

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static byte HexDigit(int value) => "0123456789ABCDEF"u8[value];
}
