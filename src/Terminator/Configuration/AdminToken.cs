using System.Security.Cryptography;
using System.Text;

namespace Terminator.Configuration;

/// <summary>
/// The bearer token of the admin API (<c>TERMINATOR_ADMIN_TOKEN</c> or the file named by
/// <c>TERMINATOR_ADMIN_TOKEN_FILE</c>). The server compares a presented token in constant time over SHA-256 digests, so
/// neither the content nor the length of the real token shows in the time a wrong guess takes; the CLI sends it.
/// <see cref="ToString"/> is redacted, so the token never reaches a log through a record or an interpolated string.
/// </summary>
internal sealed class AdminToken
{
    /// <summary>At least 32 characters (<c>openssl rand -base64 32</c> prints 44): guessing over the network stays hopeless.</summary>
    public const int MinimumLength = 32;

    /// <summary>Far above any generated token; keeps the Authorization field small.</summary>
    public const int MaximumLength = 512;

    private readonly byte[] _value;
    private readonly byte[] _digest;

    private AdminToken(byte[] value, string origin)
    {
        _value = value;
        _digest = SHA256.HashData(value);
        Origin = origin;
    }

    /// <summary>Where the token came from, for messages: the variable name (never the value).</summary>
    public string Origin { get; }

    /// <summary>
    /// Parses a token (surrounding whitespace ignored): RFC 6750 §2.1 b64token characters (letters, digits and
    /// <c>-._~+/</c>, then optional <c>=</c> padding), <see cref="MinimumLength"/> to <see cref="MaximumLength"/> long.
    /// Returns null on success, otherwise a short reason that never repeats the value.
    /// </summary>
    public static string? TryParse(string text, string origin, out AdminToken? token)
    {
        ArgumentNullException.ThrowIfNull(text);
        token = null;
        string trimmed = text.Trim();
        if (trimmed.Length < MinimumLength || trimmed.Length > MaximumLength)
        {
            return $"is {trimmed.Length} characters long; a token is {MinimumLength} to {MaximumLength} characters (e.g. 'openssl rand -base64 32')";
        }

        int padding = trimmed.Length - trimmed.TrimEnd('=').Length;
        ReadOnlySpan<char> body = trimmed.AsSpan(0, trimmed.Length - padding);
        foreach (char c in body)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.' or '_' or '~' or '+' or '/'))
            {
                return "contains a character a bearer token cannot carry (RFC 6750 §2.1: letters, digits, -._~+/ and trailing =)";
            }
        }

        token = new AdminToken(Encoding.ASCII.GetBytes(trimmed), origin);
        return null;
    }

    /// <summary>
    /// Whether <paramref name="presented"/> is the token. Both sides are hashed first and the digests compared with
    /// <see cref="CryptographicOperations.FixedTimeEquals"/>: a byte-wise compare would stop at the first difference
    /// and a length check would answer at once, each leaking through timing how close a guess was.
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(presented, digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest);
    }

    /// <summary>The Authorization field value a client sends: <c>Bearer &lt;token&gt;</c>.</summary>
    public string ToAuthorizationValue() => "Bearer " + Encoding.ASCII.GetString(_value);

    /// <summary>A token file readable by group or others lets any local account drive the admin API.</summary>
    public static string? DescribeTokenFilePermissionProblem(string path) => SecretFileMode.DescribeProblem(path, "token file");

    /// <inheritdoc />
    public override string ToString() => $"AdminToken({Origin}, redacted)";
}
