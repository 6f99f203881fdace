namespace Terminator.Diagnostics;

/// <summary>Which of the workarounds that reach into the .NET runtime's private members are in effect (each turns off
/// for the rest of the process when a runtime update moves what it relies on; see <c>Tls/RuntimeWorkarounds</c>).</summary>
/// <param name="ChainBuildSkipped">Certificate contexts are built from the supplied chain, without the runtime's chain
/// build (<c>Tls/CertificateContextBuilder</c>).</param>
/// <param name="SslContextRented">SSL_CTX pins are rents on the runtime's cached handle rather than pending
/// half-handshakes (<c>Tls/RuntimeSslContextRent</c>).</param>
/// <param name="RecordBuffersReleased">Idle TLS connections give OpenSSL's record buffers back
/// (<c>Tls/OpenSslRecordBuffers</c>).</param>
/// <param name="BioBuffersReleased">Idle TLS connections give the buffers of the runtime's two OpenSSL memory BIOs back
/// (<c>Tls/OpenSslIdleBuffers</c>).</param>
internal readonly record struct RuntimeWorkaroundState(bool ChainBuildSkipped, bool SslContextRented, bool RecordBuffersReleased, bool BioBuffersReleased)
{
    /// <summary>True when every workaround is in effect.</summary>
    public bool All => ChainBuildSkipped && SslContextRented && RecordBuffersReleased && BioBuffersReleased;
}
