namespace Terminator.Configuration;

/// <summary>What the proxy does with client-sent forwarding headers (<c>TERMINATOR_FORWARDED_HEADERS</c>).</summary>
internal enum ForwardedHeadersPolicy
{
    /// <summary>
    /// X-Forwarded-For becomes the peer address alone; Forwarded, X-Forwarded-Host, X-Forwarded-Port and X-Real-IP
    /// are removed. The only safe choice when clients connect directly.
    /// </summary>
    Replace,

    /// <summary>
    /// Behind a trusted proxy: client X-Forwarded-For values are kept, the peer address appended; the other
    /// forwarding headers pass through.
    /// </summary>
    Append,
}
