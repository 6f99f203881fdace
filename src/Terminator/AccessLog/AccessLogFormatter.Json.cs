namespace Terminator.AccessLog;

internal sealed partial class AccessLogFormatter
{
    /// <summary>
    /// One JSON object per line, fields always present and in this order (absent values are <c>null</c>); names follow
    /// nginx's variables so dashboards built for nginx JSON logs need no renaming.
    /// </summary>
    private void FormatJson(ref AccessLogLine line, in AccessLogRecord record, scoped in TextParts parts)
    {
        DateTime time = TimeOf(record);
        line.Append("{\"time\":\""u8);
        (int year, int month, int day) = time;
        line.AppendInteger(year);
        line.Append((byte)'-');
        line.AppendTwoDigits(month);
        line.Append((byte)'-');
        line.AppendTwoDigits(day);
        line.Append((byte)'T');
        line.AppendTwoDigits(time.Hour);
        line.Append((byte)':');
        line.AppendTwoDigits(time.Minute);
        line.Append((byte)':');
        line.AppendTwoDigits(time.Second);
        line.Append((byte)'.');
        int millisecond = time.Millisecond;
        line.Append((byte)('0' + (millisecond / 100)));
        line.AppendTwoDigits(millisecond % 100);
        line.Append("Z\",\"remote_addr\":"u8);
        AppendJsonString(ref line, parts.ClientAddress, truncated: false);
        line.Append(",\"request\":"u8);
        AppendJsonString(ref line, parts.RequestLine, (record.Truncated & AccessLogTruncation.RequestLine) != 0);
        line.Append(",\"status\":"u8);
        line.AppendInteger(record.Status);
        line.Append(",\"body_bytes_sent\":"u8);
        line.AppendInteger(record.BodyBytesSent);
        line.Append(",\"http_referer\":"u8);
        AppendJsonString(ref line, parts.Referer, (record.Truncated & AccessLogTruncation.Referer) != 0);
        line.Append(",\"http_user_agent\":"u8);
        AppendJsonString(ref line, parts.UserAgent, (record.Truncated & AccessLogTruncation.UserAgent) != 0);

        line.Append(",\"ssl_server_name\":"u8);
        if (record.ServerName is { Length: > 0 } serverName)
        {
            Span<byte> name = stackalloc byte[255 * 3];
            AppendJsonString(ref line, name[..ServerNameBytes(serverName, name)], truncated: false);
        }
        else
        {
            line.Append("null"u8);
        }

        bool tls = record.TlsProtocol != System.Security.Authentication.SslProtocols.None;
        line.Append(",\"ssl_protocol\":"u8);
        AppendJsonString(ref line, tls ? ProtocolName(record.TlsProtocol) : default, truncated: false);
        line.Append(",\"ssl_cipher\":"u8);
        AppendJsonString(ref line, tls ? CipherName(record.TlsCipherSuite) : default, truncated: false);

        line.Append(",\"upstream_addr\":"u8);
        if (record.UpstreamAddress is { } upstream)
        {
            line.Append((byte)'"');
            AppendEndPoint(ref line, upstream);
            line.Append((byte)'"');
        }
        else
        {
            line.Append("null"u8);
        }

        line.Append(",\"upstream_status\":"u8);
        if (record.UpstreamStatus == 0)
        {
            line.Append("null"u8);
        }
        else
        {
            line.AppendInteger(record.UpstreamStatus);
        }

        line.Append(",\"request_time\":"u8);
        AppendJsonDuration(ref line, record.RequestStarted, record.ResponseFinished);
        line.Append(",\"upstream_connect_time\":"u8);
        AppendJsonDuration(ref line, record.UpstreamStarted, record.UpstreamConnected);
        line.Append(",\"upstream_header_time\":"u8);
        AppendJsonDuration(ref line, record.UpstreamStarted, record.UpstreamHeaderReceived);
        line.Append(",\"upstream_response_time\":"u8);
        AppendJsonDuration(ref line, record.UpstreamStarted, record.UpstreamFinished);
        line.Append(",\"connection_requests\":"u8);
        line.AppendInteger(record.RequestNumber);
        line.Append(",\"upstream_cache_status\":"u8);
        AppendJsonString(ref line, CacheStatusName(record.CacheStatus), truncated: false);
        line.Append(",\"ja4\":"u8);
        AppendJsonString(ref line, record.Ja4, truncated: false);
        line.Append((byte)'}');
    }

    /// <summary>A JSON string, or <c>null</c> for an empty value (an absent header).</summary>
    private static void AppendJsonString(ref AccessLogLine line, scoped ReadOnlySpan<byte> value, bool truncated)
    {
        if (value.IsEmpty)
        {
            line.Append("null"u8);
            return;
        }

        line.Append((byte)'"');
        line.AppendJsonEscaped(value);
        if (truncated)
        {
            line.Append(Truncated);
        }

        line.Append((byte)'"');
    }

    private static void AppendJsonDuration(ref AccessLogLine line, long start, long end)
    {
        if (start == 0 || end == 0)
        {
            line.Append("null"u8);
        }
        else
        {
            line.AppendSeconds(start, end);
        }
    }
}
