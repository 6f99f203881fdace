namespace Terminator.Http;

/// <summary>Outcome of an incremental parse step.</summary>
internal enum HttpParseResult
{
    /// <summary>A complete element was parsed.</summary>
    Complete,

    /// <summary>More bytes are needed.</summary>
    Incomplete,

    /// <summary>The input is invalid; the reason is reported separately.</summary>
    Error,
}
