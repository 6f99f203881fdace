using System.Buffers;
using System.Text;

namespace Terminator.Http;

/// <summary>RFC 9110 / 9112 character classes and small value parsers shared by the request and response side.</summary>
internal static class HttpSyntax
{
    /// <summary>tchar (RFC 9110 §5.6.2).</summary>
    private static readonly SearchValues<byte> s_tchar = SearchValues.Create(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Bytes never allowed in a field value: CTLs except HTAB, and DEL (RFC 9110 §5.5). obs-text (0x80+) is allowed.</summary>
    private static readonly SearchValues<byte> s_invalidFieldValue = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\n\u000B\u000C\r\u000E\u000F\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F\u007F"u8);

    public const byte CR = (byte)'\r';
    public const byte LF = (byte)'\n';
    public const byte SP = (byte)' ';
    public const byte HTAB = (byte)'\t';

    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && !value.ContainsAnyExcept(s_tchar);

    public static bool IsTokenChar(byte b) => s_tchar.Contains(b);

    public static bool IsValidFieldValue(ReadOnlySpan<byte> value) => !value.ContainsAny(s_invalidFieldValue);

    public static bool IsValidFieldValueByte(byte b) => !s_invalidFieldValue.Contains(b);

    public static bool IsOws(byte b) => b is SP or HTAB;

    /// <summary>Removes optional whitespace (SP / HTAB) from both ends (RFC 9110 §5.6.3).</summary>
    public static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> value)
    {
        int start = 0;
        while (start < value.Length && IsOws(value[start]))
        {
            start++;
        }

        int end = value.Length;
        while (end > start && IsOws(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    /// <summary>
    /// Parses a Content-Length value: 1*DIGIT, or a comma list whose members are all identical (RFC 9112 §6.3 item 5),
    /// combined with a previous Content-Length field (<paramref name="current"/> is -1 when none was seen yet).
    /// </summary>
    public static RequestRejectionReason ParseContentLength(ReadOnlySpan<byte> value, ref long current)
    {
        var elements = new CommaListEnumerator(value);
        bool any = false;
        while (elements.MoveNext())
        {
            ReadOnlySpan<byte> element = elements.Current;
            if (element.IsEmpty || element.Length > 18 || element.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                // 18 digits keep the value far below long.MaxValue: nobody sends an exabyte.
                return RequestRejectionReason.InvalidContentLength;
            }

            long parsed = 0;
            foreach (byte digit in element)
            {
                parsed = (parsed * 10) + (digit - '0');
            }

            if (current >= 0 && current != parsed)
            {
                return RequestRejectionReason.ConflictingContentLength;
            }

            current = parsed;
            any = true;
        }

        return any ? RequestRejectionReason.None : RequestRejectionReason.InvalidContentLength;
    }

    /// <summary>Whether a comma-separated, case-insensitive token list (Connection, TE, ...) contains <paramref name="token"/>.</summary>
    public static bool ListContains(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        var elements = new CommaListEnumerator(value);
        while (elements.MoveNext())
        {
            if (Ascii.EqualsIgnoreCase(elements.Current, token))
            {
                return true;
            }
        }

        return false;
    }
}
