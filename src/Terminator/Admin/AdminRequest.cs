namespace Terminator.Admin;

/// <summary>One request as the handler sees it: copied out of the connection's buffers (admin requests are few and small).</summary>
/// <param name="Method">The method, case-sensitive (RFC 9110 §9.1).</param>
/// <param name="Path">The path of the origin-form target, still percent-encoded.</param>
/// <param name="Query">The query without its '?', still percent-encoded; empty when there is none.</param>
/// <param name="Authorization">The Authorization field as bytes; empty when absent.</param>
/// <param name="AuthorizationFieldCount">How many Authorization fields were sent (more than one is refused).</param>
/// <param name="ContentType">The Content-Type field; null when absent.</param>
/// <param name="Body">The body (Content-Length framing only).</param>
/// <param name="Peer">The client's address, for logs.</param>
internal sealed record AdminRequest(
    string Method,
    string Path,
    string Query,
    ReadOnlyMemory<byte> Authorization,
    int AuthorizationFieldCount,
    string? ContentType,
    ReadOnlyMemory<byte> Body,
    System.Net.IPAddress Peer);
