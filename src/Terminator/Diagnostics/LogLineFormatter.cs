using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Terminator.Diagnostics;

/// <summary>
/// Turns one log event into one line, in the caller's thread (so the queue holds finished strings and the writer thread
/// only writes). Text: <c>2026-12-03T23:30:01.123Z info  [area] message</c>, control characters escaped so an event is
/// always one physical line (journald splits on line breaks; a request path cannot forge a line). JSON: one object with
/// <c>timestamp</c>, <c>level</c>, <c>area</c>, <c>eventId</c>, <c>event</c>, <c>message</c>, the event's structured
/// fields under their template names, and <c>exception</c> when there is one.
/// </summary>
internal static class LogLineFormatter
{
    private const string TimestampFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fff'Z'";
    private const string OriginalFormatKey = "{OriginalFormat}";

    /// <summary>Names the fixed JSON fields take; an event's own fields must not use them (a test checks every event).</summary>
    public static readonly IReadOnlySet<string> ReservedFieldNames =
        new HashSet<string>(["timestamp", "level", "area", "eventId", "event", "message", "exception", "suppressed", "suppressedSince"], StringComparer.OrdinalIgnoreCase);

    private static readonly JsonWriterOptions s_jsonOptions = new()
    {
        // Readable non-ASCII (an IDN's U-label in a message) and no HTML escaping: this is a log, not a web page.
        // Control characters and quotes are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [ThreadStatic]
    private static StringBuilder? t_text;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_jsonBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        _ => "crit",
    };

    public static string Format(LogFormat format, DateTime utcNow, LogLevel level, string area, EventId eventId, string message,
        IReadOnlyList<KeyValuePair<string, object?>>? fields, Exception? exception) =>
        format == LogFormat.Json
            ? FormatJson(utcNow, level, area, eventId, message, fields, exception)
            : FormatText(utcNow, level, area, message, exception);

    public static string FormatText(DateTime utcNow, LogLevel level, string area, string message, Exception? exception)
    {
        StringBuilder text = t_text ??= new StringBuilder(256);
        text.Clear();
        Span<char> timestamp = stackalloc char[24];
        utcNow.TryFormat(timestamp, out int written, TimestampFormat, CultureInfo.InvariantCulture);
        text.Append(timestamp[..written]).Append(' ');
        string name = LevelName(level);
        text.Append(name).Append(' ', 6 - name.Length).Append('[').Append(area).Append("] ");
        AppendEscaped(text, message);
        if (exception is not null)
        {
            text.Append(" -- ");
            AppendEscaped(text, exception.ToString());
        }

        string line = text.ToString();
        if (text.Capacity > 16 * 1024)
        {
            t_text = null; // one huge stack trace must not pin a large buffer to this thread
        }

        return line;
    }

    public static string FormatJson(DateTime utcNow, LogLevel level, string area, EventId eventId, string message,
        IReadOnlyList<KeyValuePair<string, object?>>? fields, Exception? exception)
    {
        ArrayBufferWriter<byte> buffer = t_jsonBuffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        Utf8JsonWriter json = t_json ??= new Utf8JsonWriter(buffer, s_jsonOptions);
        json.Reset(buffer);
        json.WriteStartObject();
        Span<char> timestamp = stackalloc char[24];
        utcNow.TryFormat(timestamp, out int written, TimestampFormat, CultureInfo.InvariantCulture);
        json.WriteString("timestamp", timestamp[..written]);
        json.WriteString("level", LevelName(level));
        json.WriteString("area", area);
        json.WriteNumber("eventId", eventId.Id);
        if (eventId.Name is { } eventName)
        {
            json.WriteString("event", eventName);
        }

        json.WriteString("message", message);
        if (fields is not null)
        {
            for (int i = 0; i < fields.Count; i++)
            {
                (string key, object? value) = fields[i];
                if (key != OriginalFormatKey)
                {
                    WriteField(json, key, value);
                }
            }
        }

        if (exception is not null)
        {
            json.WriteString("exception", exception.ToString());
        }

        json.WriteEndObject();
        json.Flush();
        string line = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > 64 * 1024)
        {
            t_jsonBuffer = null;
            t_json = null;
        }

        return line;
    }

    private static void WriteField(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case LogSuppression suppression:
                if (suppression.Count > 0)
                {
                    json.WriteNumber("suppressed", suppression.Count);
                    json.WriteString("suppressedSince", suppression.Since.ToString(TimestampFormat, CultureInfo.InvariantCulture));
                }

                return;
            case null:
                json.WriteNull(key);
                return;
            case string s:
                json.WriteString(key, s);
                return;
            case bool b:
                json.WriteBoolean(key, b);
                return;
            case int or long or short or byte or sbyte or ushort or uint:
                json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                return;
            case ulong u:
                json.WriteNumber(key, u);
                return;
            case double or float or decimal:
                double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(d))
                {
                    json.WriteNumber(key, d);
                }
                else
                {
                    json.WriteString(key, d.ToString(CultureInfo.InvariantCulture));
                }

                return;
            case DateTimeOffset instant:
                json.WriteString(key, instant.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture));
                return;
            case DateTime time:
                json.WriteString(key, (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).ToString(TimestampFormat, CultureInfo.InvariantCulture));
                return;
            case IEnumerable items:
                json.WriteStartArray(key);
                foreach (object? item in items)
                {
                    json.WriteStringValue(Convert.ToString(item, CultureInfo.InvariantCulture));
                }

                json.WriteEndArray();
                return;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
        }
    }

    /// <summary>Control characters as escapes (<c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\u001b</c>): one event, one line.</summary>
    private static void AppendEscaped(StringBuilder text, string value)
    {
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c >= ' ' && c != '\u007f')
            {
                continue;
            }

            text.Append(value, start, i - start);
            switch (c)
            {
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default: text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
            }

            start = i + 1;
        }

        text.Append(value, start, value.Length - start);
    }
}
