namespace Terminator.AccessLog;

internal sealed partial class AccessLogFormatter
{
    private static ReadOnlySpan<byte> Truncated => "..."u8;

    /// <summary>
    /// nginx's <c>combined</c> (<c>$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
    /// "$http_referer" "$http_user_agent"</c>), so existing parsers read the first nine fields, then space-separated:
    /// SNI, TLS version, cipher, upstream address, upstream status, request time, upstream connect, header and response
    /// times, request number on the connection, micro-cache status (nginx's $upstream_cache_status: HIT, MISS, EXPIRED,
    /// BYPASS), JA4 fingerprint. A missing value is "-".
    /// </summary>
    private void FormatCombined(ref AccessLogLine line, in AccessLogRecord record, scoped in TextParts parts)
    {
        line.AppendNginxEscaped(parts.ClientAddress, escapeSpace: true);
        line.Append(" - - ["u8);
        AppendTimeLocal(ref line, TimeOf(record));
        line.Append("] \""u8);
        AppendQuoted(ref line, parts.RequestLine, (record.Truncated & AccessLogTruncation.RequestLine) != 0);
        line.Append("\" "u8);
        line.AppendInteger(record.Status);
        line.Append((byte)' ');
        line.AppendInteger(record.BodyBytesSent);
        line.Append(" \""u8);
        AppendQuoted(ref line, parts.Referer, (record.Truncated & AccessLogTruncation.Referer) != 0);
        line.Append("\" \""u8);
        AppendQuoted(ref line, parts.UserAgent, (record.Truncated & AccessLogTruncation.UserAgent) != 0);
        line.Append("\" "u8);

        if (record.ServerName is { Length: > 0 } serverName)
        {
            Span<byte> name = stackalloc byte[255 * 3];
            line.AppendNginxEscaped(name[..ServerNameBytes(serverName, name)], escapeSpace: true);
        }
        else
        {
            line.Append((byte)'-');
        }

        line.Append((byte)' ');
        if (record.TlsProtocol == System.Security.Authentication.SslProtocols.None)
        {
            line.Append("- -"u8);
        }
        else
        {
            line.Append(ProtocolName(record.TlsProtocol));
            line.Append((byte)' ');
            line.Append(CipherName(record.TlsCipherSuite));
        }

        line.Append((byte)' ');
        if (record.UpstreamAddress is { } upstream)
        {
            AppendEndPoint(ref line, upstream);
        }
        else
        {
            line.Append((byte)'-');
        }

        line.Append((byte)' ');
        AppendOptionalInteger(ref line, record.UpstreamStatus);
        line.Append((byte)' ');
        AppendDuration(ref line, record.RequestStarted, record.ResponseFinished);
        line.Append((byte)' ');
        AppendDuration(ref line, record.UpstreamStarted, record.UpstreamConnected);
        line.Append((byte)' ');
        AppendDuration(ref line, record.UpstreamStarted, record.UpstreamHeaderReceived);
        line.Append((byte)' ');
        AppendDuration(ref line, record.UpstreamStarted, record.UpstreamFinished);
        line.Append((byte)' ');
        line.AppendInteger(record.RequestNumber);
        line.Append((byte)' ');
        line.Append(CacheStatusName(record.CacheStatus) is { IsEmpty: false } cacheStatus ? cacheStatus : "-"u8);
        line.Append((byte)' ');
        // Our own ASCII (letters, digits, '_'): nothing to escape.
        line.Append(record.Ja4 is { } ja4 ? ja4.AsSpan() : "-"u8);
    }

    /// <summary>"[10/Oct/2025:13:55:36 +0000]"'s inside: nginx's $time_local, always in UTC.</summary>
    private static void AppendTimeLocal(ref AccessLogLine line, DateTime utc)
    {
        (int year, int month, int day) = utc; // one calendar computation, not three
        line.AppendTwoDigits(day);
        line.Append((byte)'/');
        line.Append(Months.Slice((month - 1) * 3, 3));
        line.Append((byte)'/');
        line.AppendInteger(year);
        line.Append((byte)':');
        line.AppendTwoDigits(utc.Hour);
        line.Append((byte)':');
        line.AppendTwoDigits(utc.Minute);
        line.Append((byte)':');
        line.AppendTwoDigits(utc.Second);
        line.Append(" +0000"u8);
    }

    /// <summary>A quoted field's contents: "-" when empty (nginx), "..." after a value cut at its bound.</summary>
    private static void AppendQuoted(ref AccessLogLine line, scoped ReadOnlySpan<byte> value, bool truncated)
    {
        if (value.IsEmpty)
        {
            line.Append((byte)'-');
            return;
        }

        line.AppendNginxEscaped(value);
        if (truncated)
        {
            line.Append(Truncated);
        }
    }

    private static void AppendOptionalInteger(ref AccessLogLine line, int value)
    {
        if (value == 0)
        {
            line.Append((byte)'-');
        }
        else
        {
            line.AppendInteger(value);
        }
    }

    private static void AppendDuration(ref AccessLogLine line, long start, long end)
    {
        if (start == 0 || end == 0)
        {
            line.Append((byte)'-');
        }
        else
        {
            line.AppendSeconds(start, end);
        }
    }
}
