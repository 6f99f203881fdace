namespace Terminator.Proxy;

/// <summary>Result of copying a message body from one pipe to another; says which side failed.</summary>
internal enum CopyOutcome
{
    Completed,
    /// <summary>The source ended (EOF) before the framing said the body was complete.</summary>
    SourceEnded,
    SourceFailed,
    SourceTimedOut,
    /// <summary>The body's framing was invalid (bad chunked syntax).</summary>
    SourceInvalid,
    DestinationFailed,
}
