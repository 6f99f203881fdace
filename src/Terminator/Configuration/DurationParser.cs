using System.Globalization;

namespace Terminator.Configuration;

/// <summary>
/// The one duration syntax of the product, for <c>TERMINATOR_*</c> variables and command-line options alike: a whole
/// number with a unit, <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c> or <c>14d</c> (the unit in any case). A bare number
/// is an error, not a default unit: the environment used to read one as seconds while <c>certs list
/// --expiring-within</c> read it as days, so no default could be kept that would not silently change one of them.
/// Not a hot path.
/// </summary>
internal static class DurationParser
{
    /// <summary>What every duration error message ends with.</summary>
    public const string Syntax = "a whole number with a unit: 500ms, 30s, 5m, 1h, 14d";

    private const long MillisecondsPerDay = 86_400_000;

    /// <summary>Parses <paramref name="text"/>; it must lie in (0, <paramref name="max"/>]. Returns null on success, or a
    /// short phrase without the variable or option name (the caller prefixes it).</summary>
    public static string? TryParse(string text, TimeSpan max, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = default;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        long unitMs;
        if (s.EndsWith("ms", StringComparison.OrdinalIgnoreCase)) { unitMs = 1; s = s[..^2]; }
        else if (EndsWith(s, 's')) { unitMs = 1000; s = s[..^1]; }
        else if (EndsWith(s, 'm')) { unitMs = 60_000; s = s[..^1]; }
        else if (EndsWith(s, 'h')) { unitMs = 3_600_000; s = s[..^1]; }
        else if (EndsWith(s, 'd')) { unitMs = MillisecondsPerDay; s = s[..^1]; }
        else if (!s.IsEmpty && IsAllDigits(s)) { return $"'{text}' has no unit ({Syntax})"; }
        else { return $"'{text}' is not a duration ({Syntax})"; }

        // Digits only: no sign, no fraction, no exponent, so "1e3" or "-5s" cannot sneak through.
        if (s.IsEmpty || s.Length > 12 || !IsAllDigits(s))
        {
            return $"'{text}' is not a duration ({Syntax})";
        }

        long amount = long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        if (amount == 0)
        {
            return $"'{text}' must be greater than zero";
        }

        // Compared before multiplying, so a 12-digit amount of days cannot overflow.
        if (amount > max.Ticks / TimeSpan.TicksPerMillisecond / unitMs)
        {
            return $"'{text}' is too long (maximum {Format(max)})";
        }

        value = TimeSpan.FromMilliseconds(amount * unitMs);
        return null;
    }

    /// <summary>Formats a duration in the syntax <see cref="TryParse"/> accepts, with the largest exact unit.</summary>
    public static string Format(TimeSpan duration)
    {
        long ms = (long)duration.TotalMilliseconds;
        return ms % MillisecondsPerDay == 0 ? $"{ms / MillisecondsPerDay}d"
            : ms % 3_600_000 == 0 ? $"{ms / 3_600_000}h"
            : ms % 60_000 == 0 ? $"{ms / 60_000}m"
            : ms % 1000 == 0 ? $"{ms / 1000}s"
            : $"{ms}ms";
    }

    private static bool EndsWith(ReadOnlySpan<char> s, char unit) => !s.IsEmpty && char.ToLowerInvariant(s[^1]) == unit;

    private static bool IsAllDigits(ReadOnlySpan<char> s) => !s.ContainsAnyExceptInRange('0', '9');
}
