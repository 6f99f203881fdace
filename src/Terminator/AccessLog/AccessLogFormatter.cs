using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Terminator.Configuration;

namespace Terminator.AccessLog;

/// <summary>
/// Turns a queued record and its text into one line, in the writer thread: nginx's <c>combined</c> format followed by
/// Terminator's fields, or one JSON object. Everything lands in the caller's pooled buffer as UTF-8 (no string per
/// line); the only allocations are one cached name per TLS cipher suite ever seen.
/// </summary>
/// <remarks>Not thread-safe: one instance belongs to the single writer thread.</remarks>
internal sealed partial class AccessLogFormatter(AccessLogFormat format)
{
    /// <summary>Room for everything but the escaped text: time, numbers, TLS names, an IPv6 upstream, JSON names.</summary>
    private const int FixedPartBytes = 1024;

    /// <summary>Worst-case escaping: one byte becomes six (<c>\u00HH</c>).</summary>
    private const int EscapeFactor = 6;

    private static ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    private static readonly IdnMapping s_idn = new();

    private readonly Dictionary<TlsCipherSuite, byte[]> _cipherNames = [];
    private string? _lastUnicodeName;
    private byte[]? _lastAsciiName;
    private DateTime _clockUtc = DateTime.UtcNow;
    private long _clockTimestamp = Stopwatch.GetTimestamp();

    /// <summary>The longest line <paramref name="record"/> can format to: reserve this much before <see cref="Format"/>.</summary>
    public static int MaxLineBytes(in AccessLogRecord record) =>
        FixedPartBytes + (EscapeFactor * (record.ClientAddressLength + record.RequestLineLength + record.RefererLength + record.UserAgentLength));

    /// <summary>The largest <see cref="MaxLineBytes"/> of any record the queue accepts.</summary>
    public const int MaxAnyLineBytes = FixedPartBytes + (EscapeFactor * AccessLogQueue.MaxTextBytes);

    /// <summary>
    /// Re-reads the wall clock (once per batch). Records carry monotonic Stopwatch timestamps; their wall-clock time is
    /// this reading moved by the monotonic difference, which is exact to well under a millisecond across a batch and
    /// follows NTP steps from one batch to the next.
    /// </summary>
    public void SynchronizeClock()
    {
        _clockUtc = DateTime.UtcNow;
        _clockTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Writes the record's line, newline included, to <paramref name="destination"/>; returns its length.</summary>
    public int Format(in AccessLogRecord record, ReadOnlySpan<byte> text, Span<byte> destination)
    {
        var line = new AccessLogLine(destination);
        var parts = new TextParts(record, text);
        if (format == AccessLogFormat.Json)
        {
            FormatJson(ref line, record, parts);
        }
        else
        {
            FormatCombined(ref line, record, parts);
        }

        line.Append((byte)'\n');
        return line.Length;
    }

    /// <summary>The wall-clock time the response finished, in UTC.</summary>
    private DateTime TimeOf(in AccessLogRecord record)
    {
        long timestamp = record.ResponseFinished != 0 ? record.ResponseFinished : _clockTimestamp;
        return _clockUtc + Stopwatch.GetElapsedTime(_clockTimestamp, timestamp);
    }

    private static ReadOnlySpan<byte> ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3"u8,
        SslProtocols.Tls12 => "TLSv1.2"u8,
        _ => "other"u8, // the TLS step allows nothing else; never a reason to drop the line
    };

    /// <summary>nginx's $upstream_cache_status words; empty when the cache had no part in the request.</summary>
    private static ReadOnlySpan<byte> CacheStatusName(AccessLogCacheStatus status) => status switch
    {
        AccessLogCacheStatus.Hit => "HIT"u8,
        AccessLogCacheStatus.Miss => "MISS"u8,
        AccessLogCacheStatus.Expired => "EXPIRED"u8,
        AccessLogCacheStatus.Bypass => "BYPASS"u8,
        _ => default,
    };

    /// <summary>The IANA name of the suite (TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256).</summary>
    private ReadOnlySpan<byte> CipherName(TlsCipherSuite suite)
    {
        if (!_cipherNames.TryGetValue(suite, out byte[]? name))
        {
            name = Encoding.ASCII.GetBytes(suite.ToString());
            _cipherNames[suite] = name;
        }

        return name;
    }

    /// <summary>"192.0.2.1:8080" or "[2001:db8::1]:8080".</summary>
    private static void AppendEndPoint(ref AccessLogLine line, IPEndPoint endPoint)
    {
        Span<byte> address = stackalloc byte[64];
        endPoint.Address.TryFormat(address, out int length);
        bool v6 = endPoint.AddressFamily == AddressFamily.InterNetworkV6;
        if (v6)
        {
            line.Append((byte)'[');
        }

        line.Append(address[..length]);
        if (v6)
        {
            line.Append((byte)']');
        }

        line.Append((byte)':');
        line.AppendInteger(endPoint.Port);
    }

    /// <summary>
    /// The TLS server name as the client sent it on the wire. SslStream decodes an IDN A-label into Unicode
    /// ("xn--bcher-kva.example" arrives as "bücher.example"), so such a name is encoded back (IDNA, RFC 5891); the last
    /// one is cached because a keep-alive connection logs the same string for each of its requests. Names Terminator
    /// accepted are LDH, so the fallback (UTF-8 bytes, escaped by the caller) is for the unforeseen.
    /// </summary>
    private int ServerNameBytes(string serverName, Span<byte> destination)
    {
        ReadOnlySpan<char> name = serverName.AsSpan(0, Math.Min(serverName.Length, 255));
        if (Ascii.IsValid(name))
        {
            return Encoding.ASCII.GetBytes(name, destination);
        }

        if (!ReferenceEquals(serverName, _lastUnicodeName))
        {
            try
            {
                _lastAsciiName = Encoding.ASCII.GetBytes(s_idn.GetAscii(serverName));
            }
            catch (ArgumentException)
            {
                _lastAsciiName = Encoding.UTF8.GetBytes(serverName);
            }

            _lastUnicodeName = serverName;
        }

        int length = Math.Min(_lastAsciiName!.Length, destination.Length);
        _lastAsciiName.AsSpan(0, length).CopyTo(destination);
        return length;
    }

    /// <summary>A record's text split into its fields.</summary>
    private readonly ref struct TextParts
    {
        public TextParts(scoped in AccessLogRecord record, ReadOnlySpan<byte> text)
        {
            ClientAddress = text[..record.ClientAddressLength];
            text = text[record.ClientAddressLength..];
            RequestLine = text[..record.RequestLineLength];
            text = text[record.RequestLineLength..];
            Referer = text[..record.RefererLength];
            UserAgent = text.Slice(record.RefererLength, record.UserAgentLength);
        }

        public ReadOnlySpan<byte> ClientAddress { get; }
        public ReadOnlySpan<byte> RequestLine { get; }
        public ReadOnlySpan<byte> Referer { get; }
        public ReadOnlySpan<byte> UserAgent { get; }
    }
}
