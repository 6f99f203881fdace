using Terminator.Http;

namespace Terminator.Proxy;

// The JA4 hook: which header carries the connection's fingerprint upstream. The value was computed once by the TLS step.
internal sealed partial class Http1ProxyLoop
{
    /// <summary>The configured header with this connection's JA4: empty value on plain HTTP (the client's copy is still
    /// dropped), default when the feature is off.</summary>
    private ClientFingerprintField Ja4Field => new(_context.Ja4Header, _connection.Tls?.Ja4);
}
