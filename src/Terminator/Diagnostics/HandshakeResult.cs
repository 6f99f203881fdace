namespace Terminator.Diagnostics;

/// <summary>How a TLS connection's handshake ended (the <c>result</c> label of <c>terminator_tls_handshakes_total</c>).</summary>
internal enum HandshakeResult
{
    /// <summary>Authenticated with an allowed suite; the connection goes on to the next step.</summary>
    Ok,

    /// <summary>The SNI matched no certificate (or there was none) under the reject policy: <c>unrecognized_name</c>.</summary>
    UnknownSni,

    /// <summary>Nothing in common with the policy: only TLS 1.1 or older, no ECDHE-AEAD suite on offer, or OpenSSL chose a
    /// suite the policy refuses.</summary>
    NoSharedSuite,

    /// <summary><c>TERMINATOR_HANDSHAKE_TIMEOUT</c> passed (or the drain timeout cut the handshake).</summary>
    Timeout,

    /// <summary>A malformed ClientHello or SNI, or a handshake that failed in TLS itself (e.g. the client sent an alert
    /// because it did not trust the certificate).</summary>
    ProtocolError,

    /// <summary>The first bytes were not a TLS handshake record (plain HTTP on the TLS port, a scanner).</summary>
    NotTls,

    /// <summary>The client closed or reset the connection before the handshake completed (including TCP health checks
    /// that connect and close).</summary>
    Closed,

    /// <summary>The chosen certificate's material could not be loaded: <c>internal_error</c>.</summary>
    CertificateError,
}
