using System.Globalization;

namespace Terminator.Diagnostics;

/// <summary>
/// What <see cref="LogRateLimiter"/> held back for a cause since its last line: rendered at the end of the next line let
/// through as <c> (suppressed 57 similar since 2026-12-03T23:30:01.123Z)</c>, and as nothing when nothing was held back.
/// A struct passed by value, so a suppressed line allocates nothing; the JSON format writes it as the fields
/// <c>suppressed</c> and <c>suppressedSince</c>.
/// </summary>
internal readonly struct LogSuppression(long count, long sinceUtcTicks) : ISpanFormattable
{
    public static LogSuppression None => default;

    /// <summary>Lines of this cause held back since the previous line that was written.</summary>
    public long Count { get; } = count;

    /// <summary>When the first of them happened (UTC).</summary>
    public DateTime Since => new(sinceUtcTicks, DateTimeKind.Utc);

    public override string ToString() => ToString(null, null);

    public string ToString(string? format, IFormatProvider? formatProvider)
    {
        Span<char> buffer = stackalloc char[96];
        return TryFormat(buffer, out int written, default, null) ? new string(buffer[..written]) : string.Empty;
    }

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (Count == 0)
        {
            charsWritten = 0;
            return true;
        }

        return destination.TryWrite(CultureInfo.InvariantCulture, $" (suppressed {Count} similar since {Since:yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'})", out charsWritten);
    }
}
