using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Terminator.Diagnostics;

/// <summary>
/// What every component is given to log with: one <see cref="ILogger"/> per area (category <c>Terminator.&lt;Area&gt;</c>,
/// shown as <c>[area]</c>), the <see cref="RateLimiter"/> that per-cause warnings go through, and the counters metrics
/// export. Lines are written by the source-generated methods of each area's <c>*Log</c> class
/// (<c>Tls/TlsLog</c>, <c>Proxy/ProxyLog</c>, ...), never by formatting strings here. Private keys and key material
/// must never be passed to a log method.
/// </summary>
/// <remarks>
/// Event ids, one block of 100 per area (a test keeps every event inside its area's block and unique):
/// 100-199 daemon (Terminator.Daemon: start, SIGHUP, stop), 200-299 hosting, 300-399 listener, 400-499 tls,
/// 500-599 proxy, 600-699 certificates, 700-799 store, 800-899 acme, 900-999 domains, 1000-1099 admin,
/// 1100-1199 the log itself (<see cref="LogSink"/>), 1200-1299 PROXY protocol, 1300-1399 the access log's writer,
/// 1400-1499 the micro-cache, 1600-1699 the store index, 1700-1799 the shared store (fleet); others from 1500 are free.
/// </remarks>
internal sealed class TerminatorLog : IDisposable
{
    private readonly LogSink? _sink;

    /// <summary>Logs through <paramref name="factory"/> (a host's logging, or <see cref="NullLoggerFactory"/>).</summary>
    public TerminatorLog(ILoggerFactory factory, TimeSpan? rateLimitInterval = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        RateLimiter = new LogRateLimiter(rateLimitInterval ?? LogRateLimiter.DefaultInterval);
        Daemon = factory.CreateLogger("Terminator.Daemon");
        Hosting = factory.CreateLogger("Terminator.Hosting");
        Listener = factory.CreateLogger("Terminator.Listener");
        Tls = factory.CreateLogger("Terminator.Tls");
        Proxy = factory.CreateLogger("Terminator.Proxy");
        Certificates = factory.CreateLogger("Terminator.Certificates");
        Store = factory.CreateLogger("Terminator.Store");
        Acme = factory.CreateLogger("Terminator.Acme");
        Domains = factory.CreateLogger("Terminator.Domains");
        Admin = factory.CreateLogger("Terminator.Admin");
        ProxyProtocol = factory.CreateLogger("Terminator.ProxyProtocol");
        AccessLog = factory.CreateLogger("Terminator.AccessLog");
        Cache = factory.CreateLogger("Terminator.Cache");
        Fleet = factory.CreateLogger("Terminator.Fleet");
    }

    /// <summary>Logs lines at or above <paramref name="minimum"/> to <paramref name="output"/> through a
    /// <see cref="LogSink"/> (the daemon: stderr; tests: a capturing writer). Dispose to flush.</summary>
    public TerminatorLog(LogLevel minimum, TextWriter output, LogFormat format = LogFormat.Text, TimeSpan? rateLimitInterval = null, int queueCapacity = LogSink.DefaultCapacity)
        : this(new LogSink(output, format, minimum, queueCapacity), rateLimitInterval)
    {
    }

    private TerminatorLog(LogSink sink, TimeSpan? rateLimitInterval)
        : this(new SinkFactory(sink), rateLimitInterval)
    {
        _sink = sink;
    }

    /// <summary>Logs nothing (tests and tools that do not look at the log).</summary>
    public static TerminatorLog Silent { get; } = new(NullLoggerFactory.Instance);

    public ILogger Daemon { get; }
    public ILogger Hosting { get; }
    public ILogger Listener { get; }
    public ILogger Tls { get; }
    public ILogger Proxy { get; }
    public ILogger Certificates { get; }
    public ILogger Store { get; }
    public ILogger Acme { get; }
    public ILogger Domains { get; }
    public ILogger Admin { get; }
    public ILogger ProxyProtocol { get; }
    public ILogger AccessLog { get; }
    public ILogger Cache { get; }
    public ILogger Fleet { get; }

    /// <summary>One line per cause per interval for warnings that can repeat per request or per rescan.</summary>
    public LogRateLimiter RateLimiter { get; }

    /// <summary>Lines the rate limiter held back (a counter for metrics).</summary>
    public long SuppressedLines => RateLimiter.Suppressed;

    /// <summary>Lines dropped because the output did not keep up (a counter for metrics; 0 with a host's factory).</summary>
    public long DroppedLines => _sink?.Dropped ?? 0;

    /// <summary>Waits until the lines logged so far are written (tests; the daemon before it exits).</summary>
    public bool Flush(TimeSpan timeout) => _sink?.Flush(timeout) ?? true;

    /// <summary>Flushes and stops the sink this log owns (bounded: a stuck output is not waited for long).</summary>
    public void Dispose() => _sink?.Dispose();

    /// <summary><c>TERMINATOR_LOG_LEVEL</c> (already validated): debug, info, warn or error.</summary>
    public static LogLevel ParseLevel(string value) => value.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "WARN" or "WARNING" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        _ => LogLevel.Information,
    };

    /// <summary><c>TERMINATOR_LOG_FORMAT</c> (already validated): text or json.</summary>
    public static LogFormat ParseFormat(string value) =>
        value.Equals("json", StringComparison.OrdinalIgnoreCase) ? LogFormat.Json : LogFormat.Text;

    /// <summary>The short name a line shows for a category: <c>Terminator.Tls</c> is <c>tls</c>.</summary>
    internal static string AreaOf(string category) =>
        category.StartsWith("Terminator.", StringComparison.Ordinal) ? category["Terminator.".Length..].ToLowerInvariant() : category;

    /// <summary>The sink as a factory (no filters, no other providers: the sink's level is the filter).</summary>
    private sealed class SinkFactory(LogSink sink) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => sink.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the daemon's log has one sink");

        public void Dispose()
        {
        }
    }
}
