namespace Terminator.Proxy;

internal sealed partial class ProxyContext
{
    /// <summary>The JA4 request header's name as ASCII bytes (<c>TERMINATOR_JA4_HEADER</c>); null when off. Client-sent
    /// fields of that name are dropped on both ports; TLS connections get the edge's value.</summary>
    public byte[]? Ja4Header { get; init; }
}
