namespace Terminator.Tls;

/// <summary>Chooses the certificate for a ClientHello, from the peeked bytes, before the handshake starts.</summary>
internal interface ITlsCertificateSelector
{
    /// <summary>
    /// The certificate to serve for <paramref name="serverName"/> (lower-case ASCII from the SNI, empty when the client
    /// sent none) to a client described by <paramref name="hello"/> (which key types it can verify); null when there
    /// is nothing to serve, which the TLS step answers with an <c>unrecognized_name</c> alert. Synchronous, so the name
    /// can stay on the caller's stack, and allocation-free on the hot path.
    /// </summary>
    ITlsServerCertificate? Select(ReadOnlySpan<byte> serverName, in ClientHelloInfo hello);
}
