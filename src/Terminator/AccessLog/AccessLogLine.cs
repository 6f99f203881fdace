using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;

namespace Terminator.AccessLog;

/// <summary>
/// A cursor over the writer's pooled output buffer that appends one line's UTF-8 bytes: literals, numbers, durations
/// and client-controlled bytes escaped the way the chosen format needs. The caller reserves enough room first
/// (<see cref="AccessLogFormatter.MaxLineBytes"/>), so nothing here checks bounds beyond the span's own.
/// </summary>
internal ref struct AccessLogLine(Span<byte> buffer)
{
    private static ReadOnlySpan<byte> HexDigits => "0123456789ABCDEF"u8;

    private static readonly SearchValues<byte> s_nginxSpecial = SearchValues.Create(Special(escapeSpace: false));
    private static readonly SearchValues<byte> s_nginxSpecialOrSpace = SearchValues.Create(Special(escapeSpace: true));

    private readonly Span<byte> _buffer = buffer;

    public int Length { get; private set; }

    public void Append(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[Length..]);
        Length += bytes.Length;
    }

    public void Append(byte value) => _buffer[Length++] = value;

    public void AppendInteger(long value)
    {
        Utf8Formatter.TryFormat(value, _buffer[Length..], out int written);
        Length += written;
    }

    /// <summary>Two digits, zero-padded (dates and times).</summary>
    public void AppendTwoDigits(int value)
    {
        _buffer[Length++] = (byte)('0' + (value / 10));
        _buffer[Length++] = (byte)('0' + (value % 10));
    }

    /// <summary>A duration between two Stopwatch timestamps in seconds with millisecond precision ("0.004"), like
    /// nginx's $request_time; a negative difference (clock oddities) is written as 0.</summary>
    public void AppendSeconds(long startTimestamp, long endTimestamp)
    {
        long elapsed = Math.Max(0, endTimestamp - startTimestamp);
        long milliseconds = (long)((elapsed * 1000.0 / Stopwatch.Frequency) + 0.5);
        AppendInteger(milliseconds / 1000);
        Append((byte)'.');
        long fraction = milliseconds % 1000;
        _buffer[Length++] = (byte)('0' + (fraction / 100));
        _buffer[Length++] = (byte)('0' + (fraction / 10 % 10));
        _buffer[Length++] = (byte)('0' + (fraction % 10));
    }

    /// <summary>
    /// nginx's access log escaping: '"', '\' and every byte outside printable ASCII become \xHH, so a client cannot
    /// end a quoted field, forge a line or smuggle terminal control sequences into whoever reads the log. With
    /// <paramref name="escapeSpace"/> a space is escaped too (fields written without quotes).
    /// </summary>
    public void AppendNginxEscaped(scoped ReadOnlySpan<byte> value, bool escapeSpace = false)
    {
        SearchValues<byte> special = escapeSpace ? s_nginxSpecialOrSpace : s_nginxSpecial;
        while (true)
        {
            // Runs of plain bytes (nearly all of a real line) are copied at once.
            int next = value.IndexOfAny(special);
            if (next < 0)
            {
                Append(value);
                return;
            }

            Append(value[..next]);
            byte b = value[next];
            _buffer[Length++] = (byte)'\\';
            _buffer[Length++] = (byte)'x';
            _buffer[Length++] = HexDigits[b >> 4];
            _buffer[Length++] = HexDigits[b & 0xF];
            value = value[(next + 1)..];
        }
    }

    /// <summary>
    /// The contents of a JSON string (RFC 8259 §7): '"' and '\' backslash-escaped, every other byte outside printable
    /// ASCII as \u00HH — the byte's own value, so a User-Agent that is not UTF-8 still makes a valid line and every
    /// original byte can be recovered (read the string as Latin-1).
    /// </summary>
    public void AppendJsonEscaped(scoped ReadOnlySpan<byte> value)
    {
        while (true)
        {
            int next = value.IndexOfAny(s_nginxSpecial); // the same set: quote, backslash, outside printable ASCII
            if (next < 0)
            {
                Append(value);
                return;
            }

            Append(value[..next]);
            byte b = value[next];
            if (b is (byte)'"' or (byte)'\\')
            {
                _buffer[Length++] = (byte)'\\';
                _buffer[Length++] = b;
            }
            else
            {
                "\\u00"u8.CopyTo(_buffer[Length..]);
                Length += 4;
                _buffer[Length++] = HexDigits[b >> 4];
                _buffer[Length++] = HexDigits[b & 0xF];
            }

            value = value[(next + 1)..];
        }
    }

    private static byte[] Special(bool escapeSpace)
    {
        var bytes = new List<byte>();
        for (int b = 0; b < 256; b++)
        {
            if (b is < 0x20 or >= 0x7F or '"' or '\\' || (escapeSpace && b == ' '))
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }
}
