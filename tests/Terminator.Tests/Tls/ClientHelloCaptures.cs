using Terminator.Tls;

namespace Terminator.Tests.Tls;

/// <summary>
/// Real ClientHello bytes captured from a raw TCP listener on 127.0.0.1 (see TestData/ClientHellos/README.md):
/// OpenSSL 3.0 s_client, curl 7.88 (OpenSSL backend) and headless Chromium 156 (GREASE, ECH GREASE, ML-KEM key share).
/// </summary>
internal static class ClientHelloCaptures
{
    public const string OpenSslTls13 = "openssl_tls13";
    public const string OpenSslTls12 = "openssl_tls12";
    public const string OpenSslNoSniAlpn = "openssl_nosni_alpn";
    public const string Curl = "curl_h2";
    public const string Chromium = "chromium";

    public static readonly string[] Names = [OpenSslTls13, OpenSslTls12, OpenSslNoSniAlpn, Curl, Chromium];

    private const TlsVersionFlags AllVersions = TlsVersionFlags.Tls10 | TlsVersionFlags.Tls11 | TlsVersionFlags.Tls12 | TlsVersionFlags.Tls13;

    /// <summary>Expected parse of each capture, cross-checked with an independent Python decoder at capture time.</summary>
    public static readonly Dictionary<string, (string ServerName, AlpnFlags Alpn, TlsVersionFlags Versions)> Expected = new()
    {
        [OpenSslTls13] = ("click.example.com", AlpnFlags.None, AllVersions),
        [OpenSslTls12] = ("click.example.com", AlpnFlags.None, TlsVersionFlags.Tls12),
        [OpenSslNoSniAlpn] = ("", AlpnFlags.Http11 | AlpnFlags.AcmeTls1, AllVersions),
        [Curl] = ("click.example.com", AlpnFlags.Http2 | AlpnFlags.Http11, AllVersions),
        [Chromium] = ("shop.example.com", AlpnFlags.Http2 | AlpnFlags.Http11, TlsVersionFlags.Tls13 | TlsVersionFlags.Tls12),
    };

    public static TheoryData<string> All => new(Names);

    public static byte[] Load(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "ClientHellos", name + ".bin"));
}
