using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Terminator.Domains;

/// <summary>
/// Validates and normalises the host name of a managed domain: what a certificate authority will issue for over HTTP-01
/// or TLS-ALPN-01, written as a handshake's SNI writes it (lower-case ASCII, no trailing dot). Every rejection is one line
/// fit for a 400 response.
/// </summary>
/// <remarks>
/// Internationalised names are accepted as A-labels only (<c>xn--</c>, checked to decode and re-encode to themselves).
/// U-labels are refused rather than converted: the projects run with <c>InvariantGlobalization</c>, under which
/// <see cref="IdnMapping"/> still encodes Punycode but applies none of UTS #46's mapping — no NFC (string.Normalize is a
/// no-op there), no case folding beyond ASCII, no width or compatibility mapping — so "BÜCHER.example" would become
/// xn--bcher-2pa, "bu&#x0308;cher.example" xn--bucher-xyd and a full-width name some other label, while a browser asks
/// for xn--bcher-kva and "example.com" respectively: the certificate would name a different domain than the one visited.
/// The platform's own IDNA library gives the A-label in one call.
/// </remarks>
internal static class DomainName
{
    /// <summary>RFC 1035 §2.3.4: 255 octets on the wire are 253 characters written without the trailing dot.</summary>
    public const int MaxLength = 253;

    /// <summary>RFC 1035 §2.3.4: a label is 1 to 63 octets.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>The reason given for any name with an asterisk.</summary>
    public const string WildcardReason = "wildcards need a DNS-01 provider, which is not configured";

    private static readonly IdnMapping s_idn = new() { UseStd3AsciiRules = true };

    /// <summary>
    /// Normalises <paramref name="text"/> (ASCII lower-cased, one trailing dot removed) and checks it is a name a
    /// certificate can be issued for. False with a one-line <paramref name="reason"/> otherwise.
    /// </summary>
    public static bool TryNormalize(string? text, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out string? reason)
    {
        name = null;
        reason = Check(text, out string? normalized);
        if (reason is not null)
        {
            return false;
        }

        name = normalized!;
        return true;
    }

    /// <summary>True when <paramref name="name"/> is already in the form <see cref="TryNormalize"/> returns.</summary>
    public static bool IsNormalized(string name) =>
        TryNormalize(name, out string? normalized, out _) && string.Equals(normalized, name, StringComparison.Ordinal);

    private static string? Check(string? text, out string? normalized)
    {
        normalized = null;
        if (string.IsNullOrEmpty(text))
        {
            return "the name is empty";
        }

        string shown = Shorten(text);
        if (text.Contains('*', StringComparison.Ordinal))
        {
            return WildcardReason;
        }

        // RFC 1034 §3.1: "example.com." is the same name written fully qualified; SNI and certificates never carry the dot.
        string name = text.EndsWith('.') ? text[..^1] : text;
        if (name.Length == 0)
        {
            return "the name is empty";
        }

        // Before the label rules, so that "1.2.3.4" and "::1" are called what they are. IPAddress.TryParse also takes the
        // shorthand forms (127.1, 0x7f.0.0.1, a bare 1), which no certificate should name either.
        if (IPAddress.TryParse(name, out _))
        {
            return $"'{shown}' is an IP address; certificates are issued here for host names only";
        }

        foreach (char c in name)
        {
            if (!char.IsAscii(c))
            {
                return $"'{shown}' is not ASCII: send the IDNA A-label (xn--...); U-labels are not converted here because "
                    + "this build has no UTS #46 mapping (invariant globalization) and could name a different domain than browsers do";
            }
        }

        name = name.ToLowerInvariant();
        if (name.Length > MaxLength)
        {
            return $"the name is {name.Length} characters long; at most {MaxLength} are allowed (RFC 1035 §2.3.4)";
        }

        int labels = 0;
        int start = 0;
        while (true)
        {
            int dot = name.IndexOf('.', start);
            int end = dot < 0 ? name.Length : dot;
            string? problem = CheckLabel(name.AsSpan(start, end - start), shown);
            if (problem is not null)
            {
                return problem;
            }

            labels++;
            if (dot < 0)
            {
                break;
            }

            start = dot + 1;
        }

        if (labels < 2)
        {
            return $"'{shown}' has a single label; a managed domain has at least two (e.g. click.example.com)";
        }

        // RFC 3696 §2: a top-level domain is never all digits, and such a name reads as an IPv4 address to many parsers.
        int lastDot = name.LastIndexOf('.');
        if (name.AsSpan(lastDot + 1).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            return $"'{shown}' ends in an all-numeric label, which is not a top-level domain (RFC 3696 §2)";
        }

        normalized = name;
        return null;
    }

    /// <summary>RFC 952 / RFC 1123 §2.1 LDH rule; RFC 5890 §2.3.1 reserved and A-labels.</summary>
    private static string? CheckLabel(ReadOnlySpan<char> label, string shown)
    {
        if (label.IsEmpty)
        {
            return $"'{shown}' has an empty label";
        }

        if (label.Length > MaxLabelLength)
        {
            return $"'{shown}' has a label of {label.Length} characters; at most {MaxLabelLength} are allowed (RFC 1035 §2.3.4)";
        }

        foreach (char c in label)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c != '-')
            {
                string character = char.IsControl(c) || c == ' ' ? $"U+{(int)c:X4}" : $"'{c}'";
                return $"'{shown}' contains {character}; a label holds only letters, digits and hyphens (RFC 1123 §2.1)";
            }
        }

        if (label[0] == '-' || label[^1] == '-')
        {
            return $"'{shown}' has a label that starts or ends with a hyphen (RFC 1123 §2.1)";
        }

        if (label.Length >= 4 && label[2] == '-' && label[3] == '-')
        {
            // "??--" is reserved for IDNA (RFC 5890 §2.3.1); only "xn--" is defined, and CAs refuse the rest.
            return label.StartsWith("xn--", StringComparison.Ordinal)
                ? CheckALabel(label, shown)
                : $"'{shown}' has a label with '--' in the third and fourth characters, reserved for IDNA (RFC 5890 §2.3.1)";
        }

        return null;
    }

    /// <summary>An A-label must decode (Punycode, RFC 3492) to a U-label that encodes back to the same A-label (RFC 5891 §5.4).</summary>
    private static string? CheckALabel(ReadOnlySpan<char> label, string shown)
    {
        string aLabel = label.ToString();
        try
        {
            string uLabel = s_idn.GetUnicode(aLabel);
            if (!uLabel.Equals(aLabel, StringComparison.Ordinal) && s_idn.GetAscii(uLabel).Equals(aLabel, StringComparison.Ordinal))
            {
                return null;
            }
        }
        catch (ArgumentException)
        {
            // Not Punycode, or decodes to something IDNA does not allow: reported below.
        }

        return $"'{shown}' has an invalid A-label '{aLabel}' (it does not decode to an internationalised label, RFC 5891 §5.4)";
    }

    /// <summary>
    /// The name as echoed in a reason: capped, so a 64 KiB request cannot produce a 64 KiB error line, and with control
    /// characters replaced, so the reason stays one line wherever it is printed.
    /// </summary>
    private static string Shorten(string text)
    {
        string shown = text.Length <= MaxLength + 1 ? text : string.Concat(text.AsSpan(0, 64), "...");
        return shown.AsSpan().IndexOfAnyInRange('\0', '\u001f') < 0 && !shown.Contains('\u007f', StringComparison.Ordinal)
            ? shown
            : string.Create(shown.Length, shown, static (span, s) =>
            {
                for (int i = 0; i < s.Length; i++)
                {
                    span[i] = char.IsControl(s[i]) ? '?' : s[i];
                }
            });
    }
}
