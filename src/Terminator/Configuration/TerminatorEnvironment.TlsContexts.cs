namespace Terminator.Configuration;

/// <summary>The TLS context variables: the SSL_CTX pin (<c>Tls/SslContextPin</c>) and the prewarm
/// (<c>Certificates/CertificatePrewarmer</c>).</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] TlsContextSpecs =>
    [
        new(new("TERMINATOR_SSL_CTX_PIN", "on", "Keep each cached certificate's OpenSSL SSL_CTX (and its TLS session cache) alive by holding a reference on the runtime's cached handle (well under 1 KiB each; a ~55 KiB pending half-handshake if the runtime's internals ever differ): 'on' resumes sessions and skips a ~250 µs SSL_CTX build per handshake beyond ~32 names in use; 'off' leaves SSL_CTX lifetime to the runtime (for diagnosis, or a runtime that keeps them itself)."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                bool? on = OnOff(v);
                if (on is null) { return $"'{v}' is not a setting (expected on or off)"; }
                u = o with { SslContextPin = on.Value };
                return null;
            }),
        new(new("TERMINATOR_CERT_PREWARM", "on", "After start-up, build every certificate's TLS context in the background (one at a time, ~0.8 ms of CPU each for ECDSA P-256), so a name's first handshake costs what a later one does, as with nginx and HAProxy, which load all certificates before serving; only when all of them fit in TERMINATOR_CERT_CACHE_SIZE (a larger store loads each on its first handshake). 'off' loads every certificate on its first handshake."),
            (string v, TerminatorOptions o, out TerminatorOptions u) =>
            {
                u = o;
                bool? on = OnOff(v);
                if (on is null) { return $"'{v}' is not a setting (expected on or off)"; }
                u = o with { CertPrewarm = on.Value };
                return null;
            }),
    ];
}
