namespace Terminator.Configuration;

/// <summary>The SSL_CTX pin's variable (<c>Tls/SslContextPin</c>).</summary>
internal static partial class TerminatorEnvironment
{
    // A property, not a field: the Specs field initializer of the other part reads it (see AcmeSpecs).
    private static Spec[] SslContextPinSpecs =>
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
    ];
}
