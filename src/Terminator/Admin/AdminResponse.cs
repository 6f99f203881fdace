using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Terminator.Admin;

/// <summary>A response to write: status, body (JSON unless <see cref="ContentType"/> says otherwise; empty for none), the
/// few extra fields the API uses.</summary>
internal sealed record AdminResponse(int Status, ReadOnlyMemory<byte> Body)
{
    /// <summary>The body's media type; null for JSON.</summary>
    public string? ContentType { get; init; }

    /// <summary><c>WWW-Authenticate</c> (401, RFC 9110 §11.6.1, RFC 6750 §3).</summary>
    public string? WwwAuthenticate { get; init; }

    /// <summary><c>Allow</c> (405, RFC 9110 §10.2.1).</summary>
    public string? Allow { get; init; }

    /// <summary><c>Location</c> (201, RFC 9110 §10.2.2).</summary>
    public string? Location { get; init; }

    /// <summary>Close the connection after this response (the request's framing or state cannot be trusted).</summary>
    public bool Close { get; init; }

    public static AdminResponse Of<T>(int status, T value, JsonTypeInfo<T> type) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(value, type));

    /// <summary>A plain-text body (probes read the status; people read the word).</summary>
    public static AdminResponse Text(int status, string text) =>
        new(status, System.Text.Encoding.UTF8.GetBytes(text)) { ContentType = "text/plain; charset=utf-8" };

    public static AdminResponse Error(int status, string reason) =>
        Of(status, new ErrorResource(reason), AdminJsonContext.Default.ErrorResource);
}
