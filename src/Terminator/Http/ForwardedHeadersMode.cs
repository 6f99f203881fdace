namespace Terminator.Http;

/// <summary>
/// What the edge does with client-sent forwarding fields (X-Forwarded-For, Forwarded, X-Forwarded-Host,
/// X-Forwarded-Port, X-Real-IP). X-Forwarded-Proto is always set from the connection in both modes.
/// </summary>
internal enum ForwardedHeadersMode : byte
{
    /// <summary>
    /// YARP's default Set semantics: X-Forwarded-For carries only the peer address, the other forwarding fields are
    /// removed. Right for an edge, where every client value is a claim nobody vouched for.
    /// </summary>
    Replace,

    /// <summary>
    /// Behind a trusted proxy: client X-Forwarded-For values are kept in order with the peer appended, and the other
    /// forwarding fields pass through.
    /// </summary>
    Append,
}
