namespace Terminator.Configuration;

/// <summary>How an access log line is written (<c>TERMINATOR_ACCESS_LOG_FORMAT</c>).</summary>
internal enum AccessLogFormat
{
    /// <summary>nginx's <c>combined</c> format followed by Terminator's own fields, space-separated.</summary>
    Combined,

    /// <summary>One JSON object per line with fixed field names.</summary>
    Json,
}
