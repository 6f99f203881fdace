namespace Terminator.LoadTest.Scenarios.Abuse;

/// <summary>The bad clients mixed into slow-and-bad-clients, taken in turn.</summary>
internal enum AbuseKind
{
    /// <summary>Completes TLS, then drips a request head one header line per second (slowloris).</summary>
    Slowloris,

    /// <summary>Sends random bytes behind a TLS handshake record header.</summary>
    GarbageClientHello,

    /// <summary>Announces a 512-byte ClientHello, sends 100 bytes of it, then waits.</summary>
    TruncatedClientHello,

    /// <summary>A well-formed handshake for a name the node does not serve.</summary>
    UnknownSni,

    /// <summary>Completes TLS, then sends a request head with a header line that has no colon.</summary>
    MalformedHttp,

    /// <summary>Completes TLS, pipelines hundreds of requests and never reads the responses.</summary>
    StopsReading,

    /// <summary>Speaks plain HTTP to the TLS port.</summary>
    PlainHttpOnTlsPort,
}
