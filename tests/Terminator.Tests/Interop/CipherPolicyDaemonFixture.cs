using System.Net;
using System.Text.RegularExpressions;
using Terminator.Samples.Certificates;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Interop;

/// <summary>
/// One daemon process for <see cref="CipherPolicyDaemonTests"/>: an ECDSA-only name and an RSA-only name (so the
/// certificate, and with it the TLS 1.2 suites OpenSSL can pick, is fixed whatever the client offers), in front of the
/// sample tracking origin. A real process, so the suites it negotiates are the ones its own Main configured.
/// </summary>
public sealed partial class CipherPolicyDaemonFixture : IAsyncLifetime
{
    public const string EcdsaName = "ecdsa.cipher.test";
    public const string RsaName = "rsa.cipher.test";

    private readonly TempDirectory _directory = new("cipher");
    private SampleTrackingOrigin _origin = null!;
    private DaemonProcess _daemon = null!;

    public int Port { get; private set; }
    public string CaPath => Path.Combine(_directory.FullName, "ca.pem");
    public DaemonProcess Daemon => _daemon;

    public async Task InitializeAsync()
    {
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Cipher Policy CA");
        await File.WriteAllTextAsync(CaPath, authority.CertificatePem);
        string certificates = Path.Combine(_directory.FullName, "certs");
        authority.Issue([EcdsaName], CertificateKeyType.EcdsaP256).WriteFlat(certificates, "ecdsa");
        authority.Issue([RsaName], CertificateKeyType.Rsa2048).WriteFlat(certificates, "rsa");
        _origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        _daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = certificates,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UPSTREAM"] = $"http://{_origin.EndPoint}",
        });
        Match ready = await _daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        Port = int.Parse(ready.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        await _origin.DisposeAsync();
        _directory.Dispose();
    }

    [GeneratedRegex(@"ready: .*https 127\.0\.0\.1:(?<port>\d+);")]
    private static partial Regex ReadyLine();
}
