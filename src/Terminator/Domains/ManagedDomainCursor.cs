using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Terminator.Domains;

/// <summary>
/// A position in the name-ordered listing: "after this name". On the wire it is opaque (base64url of the name, RFC 4648
/// §5, no padding), so clients pass back what they were given and do not build their own. A cursor stays meaningful when
/// its domain is removed in the meantime: the listing resumes at the next name, and every domain managed for the whole
/// walk is returned exactly once.
/// </summary>
internal readonly record struct ManagedDomainCursor
{
    private ManagedDomainCursor(string after) => After = after;

    /// <summary>The last name of the previous page; the next page starts strictly after it.</summary>
    public string After { get; }

    /// <summary>The cursor that continues after <paramref name="name"/> (a normalised name).</summary>
    public static ManagedDomainCursor AfterName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new ManagedDomainCursor(name);
    }

    /// <summary>Decodes a cursor this API issued; false for anything else (not base64url, not a normalised name).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out ManagedDomainCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text) || text.Length > 2 * DomainName.MaxLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[2 * DomainName.MaxLength];
        if (Base64Url.DecodeFromChars(text, bytes, out int consumed, out int written) != System.Buffers.OperationStatus.Done
            || consumed != text.Length)
        {
            return false;
        }

        if (!Ascii.IsValid(bytes[..written]))
        {
            return false;
        }

        string name = Encoding.ASCII.GetString(bytes[..written]);
        if (!DomainName.IsNormalized(name))
        {
            return false;
        }

        cursor = new ManagedDomainCursor(name);
        return true;
    }

    /// <summary>The wire form.</summary>
    public override string ToString() => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(After));
}
