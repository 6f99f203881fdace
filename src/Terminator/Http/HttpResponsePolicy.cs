using System.Text;

namespace Terminator.Http;

/// <summary>
/// What the terminator removes from and adds to the responses of one kind of connection (one instance for HTTPS, one
/// for plain HTTP): the upstream's Server / X-Powered-By banners, and Strict-Transport-Security. Everything is encoded
/// once at start-up, so applying the policy to a response copies prebuilt bytes and allocates nothing.
/// </summary>
internal sealed class HttpResponsePolicy
{
    private static ReadOnlySpan<byte> StrictTransportSecurityPrefix => "Strict-Transport-Security: "u8;

    private readonly byte[] _strictTransportSecurityField;
    private readonly ReadOnlyMemory<byte>[] _errors;

    /// <param name="stripServerHeaders">Drop the upstream's Server and X-Powered-By fields.</param>
    /// <param name="strictTransportSecurity">The HSTS value to add (already validated; only for a policy used on TLS
    /// connections, RFC 6797 §7.2 forbids it over plain HTTP); null adds none.</param>
    public HttpResponsePolicy(bool stripServerHeaders, string? strictTransportSecurity)
    {
        StripServerHeaders = stripServerHeaders;
        if (strictTransportSecurity is null)
        {
            _strictTransportSecurityField = [];
            _errors = [];
            return;
        }

        byte[] value = Encoding.ASCII.GetBytes(strictTransportSecurity);
        if (!HttpSyntax.IsValidFieldValue(value) || value.Length == 0)
        {
            throw new ArgumentException("not a valid field value", nameof(strictTransportSecurity));
        }

        _strictTransportSecurityField = [.. StrictTransportSecurityPrefix, .. value, HttpSyntax.CR, HttpSyntax.LF];
        _errors = HttpErrorResponses.CreateTable(_strictTransportSecurityField);
    }

    /// <summary>Relays every upstream field (only hop-by-hop ones are removed) and adds nothing: the policy of the
    /// overloads that take none.</summary>
    public static HttpResponsePolicy PassThrough { get; } = new(stripServerHeaders: false, strictTransportSecurity: null);

    /// <summary>The defaults (<c>TERMINATOR_SERVER_HEADER=strip</c>, no HSTS).</summary>
    public static HttpResponsePolicy Default { get; } = new(stripServerHeaders: true, strictTransportSecurity: null);

    /// <summary>Whether the upstream's Server and X-Powered-By fields are dropped.</summary>
    public bool StripServerHeaders { get; }

    /// <summary>"Strict-Transport-Security: &lt;value&gt;\r\n", or empty when the policy adds none. Added to final
    /// (non-1xx) responses that do not carry the field already.</summary>
    public ReadOnlySpan<byte> StrictTransportSecurityField => _strictTransportSecurityField;

    /// <summary>The terminator's own error response for <paramref name="statusCode"/>, with this policy's fields.</summary>
    public ReadOnlyMemory<byte> GetErrorResponse(int statusCode) =>
        _errors.Length == 0 ? HttpErrorResponses.Get(statusCode) : HttpErrorResponses.Get(_errors, statusCode);

    /// <summary>Whether field <paramref name="kind"/> of an upstream response is dropped by this policy.</summary>
    public bool Drops(HeaderKind kind) => StripServerHeaders && kind is HeaderKind.Server or HeaderKind.XPoweredBy;
}
