namespace Terminator.AccessLog;

/// <summary>Which text fields of a record were cut at their bound (the line shows "..." after them).</summary>
[Flags]
internal enum AccessLogTruncation : byte
{
    None = 0,
    RequestLine = 1,
    Referer = 2,
    UserAgent = 4,
}
