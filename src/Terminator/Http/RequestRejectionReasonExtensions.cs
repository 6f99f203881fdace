namespace Terminator.Http;

/// <summary>Maps rejection reasons to the status code sent to the client.</summary>
internal static class RequestRejectionReasonExtensions
{
    /// <summary>
    /// 414 for <see cref="RequestRejectionReason.RequestTargetTooLong"/>, 431 for header size/count limits,
    /// 505 for <see cref="RequestRejectionReason.UnsupportedHttpVersion"/>, otherwise 400.
    /// Upstream (response) parse errors should be answered with 502 by the caller regardless of reason (RFC 9112 §6.3).
    /// </summary>
    public static int ToStatusCode(this RequestRejectionReason reason) => reason switch
    {
        RequestRejectionReason.RequestTargetTooLong => 414,
        RequestRejectionReason.HeadersTooLarge or RequestRejectionReason.TooManyHeaders => 431,
        RequestRejectionReason.UnsupportedHttpVersion => 505,
        _ => 400,
    };
}
