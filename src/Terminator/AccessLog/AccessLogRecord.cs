using System.Net;
using System.Net.Security;
using System.Security.Authentication;

namespace Terminator.AccessLog;

/// <summary>
/// The fixed-size facts of one request, filled in by the proxy loop as the request goes through its steps and copied into
/// <see cref="AccessLogQueue"/> by value. Times are <see cref="System.Diagnostics.Stopwatch"/> timestamps (0 = did not
/// happen); the writer thread turns them into durations and the wall-clock time. The variable-length text (client address,
/// request line, Referer, User-Agent) travels separately, in the queue's slab (<see cref="AccessLogText"/>).
/// </summary>
internal struct AccessLogRecord
{
    /// <summary>The first byte of the request head arrived.</summary>
    public long RequestStarted;

    /// <summary>The last byte of the response was flushed to the client (or the attempt to send it ended).</summary>
    public long ResponseFinished;

    /// <summary>An upstream connection was asked for (nginx measures its upstream times from here).</summary>
    public long UpstreamStarted;

    /// <summary>The upstream connection was in hand: a pooled one at once, a new one after its TCP connect.</summary>
    public long UpstreamConnected;

    /// <summary>The upstream's (final) response head was parsed.</summary>
    public long UpstreamHeaderReceived;

    /// <summary>The upstream's response body was relayed completely (or the relay ended).</summary>
    public long UpstreamFinished;

    /// <summary>Response body bytes delivered to the client (framing of a chunked body included, head excluded).</summary>
    public long BodyBytesSent;

    /// <summary>The upstream connection the request went out on; null when none was used.</summary>
    public IPEndPoint? UpstreamAddress;

    /// <summary>The TLS server name the client sent; null on plain HTTP or without SNI.</summary>
    public string? ServerName;

    /// <summary><see cref="SslProtocols.None"/> on plain HTTP.</summary>
    public SslProtocols TlsProtocol;

    public TlsCipherSuite TlsCipherSuite;

    /// <summary>The connection's JA4 fingerprint (36 ASCII bytes, shared by its requests); null when off or on plain HTTP.</summary>
    public byte[]? Ja4;

    /// <summary>The status the client got (499 when it went away before any response).</summary>
    public int Status;

    /// <summary>The upstream response's status; 0 when Terminator answered by itself.</summary>
    public int UpstreamStatus;

    /// <summary>1 for the first request on its connection, 2 for the next, ...</summary>
    public int RequestNumber;

    /// <summary>What the micro-cache did (nginx's $upstream_cache_status).</summary>
    public AccessLogCacheStatus CacheStatus;

    // Where the record's text sits in the queue's slab; set by AccessLogQueue.
    internal int TextOffset;
    internal int TextReserved;
    internal int ClientAddressLength;
    internal int RequestLineLength;
    internal int RefererLength;
    internal int UserAgentLength;
    internal AccessLogTruncation Truncated;
}
