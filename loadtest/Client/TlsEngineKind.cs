namespace Terminator.LoadTest.Client;

/// <summary>Which TLS client the runner's connections use (<c>--tls-engine</c>); scenarios do not see the difference.</summary>
internal enum TlsEngineKind
{
    /// <summary>OpenSSL directly (<see cref="OpenSsl.OpenSslStream"/>): one shared client context, verification inside
    /// the handshake; the cheaper one per new connection, and the default.</summary>
    OpenSsl,

    /// <summary>.NET's <see cref="System.Net.Security.SslStream"/>, the first engine.</summary>
    SslStream,
}
