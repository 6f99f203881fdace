namespace Terminator.Configuration;

/// <summary>Whether the query string of the request target (and of the Referer) is logged
/// (<c>TERMINATOR_ACCESS_LOG_QUERY</c>).</summary>
internal enum AccessLogQueryMode
{
    /// <summary>Everything from the first '?' is left out: tracking URLs carry recipient identifiers there.</summary>
    Strip,

    /// <summary>The target is logged as received.</summary>
    Keep,
}
