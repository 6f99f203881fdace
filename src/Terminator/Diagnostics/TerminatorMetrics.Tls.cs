using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Authentication;

namespace Terminator.Diagnostics;

// TLS handshakes and the certificate lookups they make.
internal sealed partial class TerminatorMetrics
{
    private const int HandshakeResultCount = (int)HandshakeResult.CertificateError + 1;

    // By HandshakeResult (Ok unused: successes are counted by version and key family below).
    private readonly long[] _handshakes = new long[HandshakeResultCount];
    // [version * 2 + family]: version 0 = TLS 1.2, 1 = TLS 1.3; family 0 = RSA, 1 = ECDSA.
    private readonly long[] _handshakesOk = new long[4];
    private long _certificateCacheHits;
    private long _certificateCacheMisses;
    private Histogram<double> _handshakeDuration = null!;
    private Histogram<double> _certificateLoadDuration = null!;

    /// <summary>Handshakes that ended with <paramref name="result"/>.</summary>
    public long Handshakes(HandshakeResult result)
    {
        if (result != HandshakeResult.Ok)
        {
            return Volatile.Read(ref _handshakes[(int)result]);
        }

        long ok = 0;
        for (int i = 0; i < _handshakesOk.Length; i++)
        {
            ok += Volatile.Read(ref _handshakesOk[i]);
        }

        return ok;
    }

    public long HandshakesCompleted => Handshakes(HandshakeResult.Ok);

    /// <summary>Handshakes that failed other than by timeout, unknown SNI or non-TLS bytes.</summary>
    public long HandshakesFailed =>
        Handshakes(HandshakeResult.NoSharedSuite) + Handshakes(HandshakeResult.ProtocolError)
        + Handshakes(HandshakeResult.Closed) + Handshakes(HandshakeResult.CertificateError);

    public long HandshakeTimeouts => Handshakes(HandshakeResult.Timeout);

    /// <summary>ClientHellos whose SNI matched no certificate (or had no SNI) under the reject policy.</summary>
    public long UnknownServerNames => Handshakes(HandshakeResult.UnknownSni);

    /// <summary>Connections to the TLS port whose first bytes were not a TLS handshake record (e.g. plain "GET /").</summary>
    public long NonTlsConnections => Handshakes(HandshakeResult.NotTls);

    /// <summary>Handshakes whose certificate had its TLS context ready.</summary>
    public long CertificateCacheHits => Volatile.Read(ref _certificateCacheHits);

    /// <summary>Handshakes that waited for their certificate to load.</summary>
    public long CertificateCacheMisses => Volatile.Read(ref _certificateCacheMisses);

    /// <summary>A handshake that did not complete, for <paramref name="result"/> (any but <see cref="HandshakeResult.Ok"/>).</summary>
    internal void HandshakeEnded(HandshakeResult result) => Interlocked.Increment(ref _handshakes[(int)result]);

    /// <summary>A completed handshake: counted by version and key family, timed from <paramref name="startedTimestamp"/>
    /// (<see cref="Stopwatch.GetTimestamp"/> when the TLS step took the connection).</summary>
    internal void HandshakeCompleted(SslProtocols protocol, bool ecdsa, long startedTimestamp)
    {
        int index = (protocol == SslProtocols.Tls13 ? 2 : 0) + (ecdsa ? 1 : 0);
        Interlocked.Increment(ref _handshakesOk[index]);
        _handshakeDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
    }

    /// <summary>A handshake got its certificate's server options: at once (<paramref name="loadStartedTimestamp"/> 0, a
    /// cache hit), or after waiting for a load that started at that timestamp (a miss, timed).</summary>
    internal void CertificateOptionsResolved(long loadStartedTimestamp)
    {
        if (loadStartedTimestamp == 0)
        {
            Interlocked.Increment(ref _certificateCacheHits);
            return;
        }

        Interlocked.Increment(ref _certificateCacheMisses);
        _certificateLoadDuration.Record(Stopwatch.GetElapsedTime(loadStartedTimestamp).TotalSeconds);
    }

    private void CreateTlsInstruments()
    {
        _meter.CreateObservableCounter("terminator.tls.handshakes", ObserveHandshakes, "{handshake}",
            "TLS handshakes by result (ok, unknown_sni, no_shared_suite, timeout, protocol_error, not_tls, closed, certificate_error); ok ones by TLS version and key family.");

        // Most handshakes take a few ms of CPU plus the client's round trips; a cold certificate adds its load.
        _handshakeDuration = _meter.CreateHistogram("terminator.tls.handshake.duration", "s",
            "Completed TLS handshakes: from the TLS step taking the connection to the handshake's end (the client's round trips and any certificate load included).",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

        _meter.CreateObservableCounter("terminator.certificate.cache.hits", () => CertificateCacheHits, "{handshake}",
            "Handshakes whose certificate had its TLS context loaded.");
        _meter.CreateObservableCounter("terminator.certificate.cache.misses", () => CertificateCacheMisses, "{handshake}",
            "Handshakes that waited for their certificate to load (racing first handshakes share one load and count once each).");

        // A cold load is a file read, AES-GCM, a key import and a context build: ~2-5 ms (bench/README.md, scale).
        _certificateLoadDuration = _meter.CreateHistogram("terminator.certificate.load.duration", "s",
            "Time a handshake waited for its certificate to load (one observation per cache miss).",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
    }

    private IEnumerable<Measurement<long>> ObserveHandshakes()
    {
        var measurements = new List<Measurement<long>>(HandshakeResultCount + 3);
        for (int version = 0; version < 2; version++)
        {
            for (int family = 0; family < 2; family++)
            {
                measurements.Add(new(Volatile.Read(ref _handshakesOk[(version * 2) + family]),
                    Tag("result", "ok"), Tag("version", version == 1 ? "1.3" : "1.2"), Tag("key", family == 1 ? "ecdsa" : "rsa")));
            }
        }

        for (int result = (int)HandshakeResult.Ok + 1; result < HandshakeResultCount; result++)
        {
            measurements.Add(new(Volatile.Read(ref _handshakes[result]), Tag("result", LabelOf((HandshakeResult)result))));
        }

        return measurements;
    }

    private static string LabelOf(HandshakeResult result) => result switch
    {
        HandshakeResult.Ok => "ok",
        HandshakeResult.UnknownSni => "unknown_sni",
        HandshakeResult.NoSharedSuite => "no_shared_suite",
        HandshakeResult.Timeout => "timeout",
        HandshakeResult.ProtocolError => "protocol_error",
        HandshakeResult.NotTls => "not_tls",
        HandshakeResult.Closed => "closed",
        _ => "certificate_error",
    };
}
