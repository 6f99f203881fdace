using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Acme;

/// <summary>
/// The daemon as a process with <c>TERMINATOR_ACME=on</c>, an empty encrypted store and no certificate directory,
/// against a real Pebble whose validator connects to the daemon's own listeners (HTTP-01 on its HTTP port, TLS-ALPN-01
/// on its TLS port), driven through the admin API as the platform would drive it. The HTTP and TLS ports are fixed
/// for the fixture's lifetime (Pebble is told them at start), so <see cref="RestartAsync"/> brings the daemon back on
/// the same ports with the same store.
/// </summary>
internal sealed partial class AcmeDaemon : IAsyncDisposable
{
    private readonly TempDirectory _root = new("acme-daemon");
    private readonly Dictionary<string, string> _environment;
    private readonly SampleTrackingOrigin _origin;
    private HttpClient? _admin;

    private AcmeDaemon(PebbleProcess pebble, SampleTrackingOrigin origin, int? httpPort, int tlsPort, string challenges, IReadOnlyDictionary<string, string>? extra)
    {
        Pebble = pebble;
        _origin = origin;
        HttpsEndPoint = new IPEndPoint(IPAddress.Loopback, tlsPort);
        StoreDirectory = Path.Combine(_root.FullName, "store");
        StoreKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        Root = X509Certificate2.CreateFromPem(pebble.RootPem);
        string Invariant(int port) => port.ToString(CultureInfo.InvariantCulture);
        _environment = new Dictionary<string, string>
        {
            ["TERMINATOR_ACME"] = "on",
            ["TERMINATOR_ACME_DIRECTORY"] = pebble.DirectoryUri.AbsoluteUri,
            ["TERMINATOR_ACME_CA_ROOT"] = pebble.WfeCaPemPath,
            ["TERMINATOR_ACME_CHALLENGES"] = challenges,
            ["TERMINATOR_ACME_PREFLIGHT"] = "off", // the preflight has its own tests; Pebble's DNS is not the test's resolver
            ["TERMINATOR_ACME_EMAIL"] = "ops@acme-daemon.test",
            ["TERMINATOR_STORE_DIR"] = StoreDirectory,
            ["TERMINATOR_STORE_KEY"] = StoreKey,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:" + Invariant(tlsPort),
            ["TERMINATOR_HTTP_LISTEN"] = httpPort is { } port ? "127.0.0.1:" + Invariant(port) : "off",
            ["TERMINATOR_ADMIN_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_ADMIN_TOKEN"] = Token,
            ["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}",
        };
        foreach ((string name, string value) in extra ?? new Dictionary<string, string>())
        {
            _environment[name] = value;
        }
    }

    public PebbleProcess Pebble { get; }

    public DaemonProcess Daemon { get; private set; } = null!;

    public IPEndPoint HttpsEndPoint { get; }

    public IPEndPoint AdminEndPoint { get; private set; } = null!;

    public string StoreDirectory { get; }

    public string StoreKey { get; }

    public string Token { get; }

    /// <summary>Pebble's issuing root: what a client validating the served chains trusts.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The admin API with the bearer token.</summary>
    public HttpClient Admin => _admin ?? throw new InvalidOperationException("not started");

    /// <summary>
    /// Pebble on fresh ports, then the daemon on those ports; returns once the daemon printed its ready line. Only the
    /// listeners the configured <paramref name="challenges"/> need are where Pebble's validator connects: with
    /// <c>http-01</c> alone Pebble's TLS-ALPN port is a closed one, with <c>tls-alpn-01</c> alone the daemon has no
    /// HTTP listener, so an issued certificate proves which challenge the daemon answered.
    /// </summary>
    public static async Task<AcmeDaemon> StartAsync(string challenges, IReadOnlyDictionary<string, string>? environment = null)
    {
        bool http01 = challenges.Contains("http-01", StringComparison.Ordinal);
        bool tlsAlpn01 = challenges.Contains("tls-alpn-01", StringComparison.Ordinal);
        int httpPort = LoopbackPorts.Reserve();
        int tlsPort = LoopbackPorts.Reserve();
        int closedPort = LoopbackPorts.Reserve();
        PebbleProcess pebble = await PebbleProcess.StartAsync(httpPort, tlsAlpn01 ? tlsPort : closedPort);
        SampleTrackingOrigin? origin = null;
        try
        {
            origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
            var daemon = new AcmeDaemon(pebble, origin, http01 ? httpPort : null, tlsPort, challenges, environment);
            await daemon.StartDaemonAsync();
            return daemon;
        }
        catch
        {
            if (origin is not null)
            {
                await origin.DisposeAsync();
            }

            await pebble.DisposeAsync();
            throw;
        }
    }

    private async Task StartDaemonAsync()
    {
        Daemon = DaemonProcess.Start(null, _environment);
        Match ready = await Daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        AdminEndPoint = IPEndPoint.Parse(ready.Groups["admin"].Value);
        _admin?.Dispose();
        _admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{AdminEndPoint}/"), Timeout = TimeSpan.FromSeconds(10) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    /// <summary>Stops the daemon with <paramref name="signal"/> (SIGKILL: a crash) and starts it again on the same
    /// ports and store.</summary>
    public async Task RestartAsync(int signal)
    {
        Daemon.Signal(signal);
        await Daemon.WaitForExitAsync(TimeSpan.FromSeconds(15));
        await Daemon.DisposeAsync();
        await StartDaemonAsync();
    }

    public async Task<HttpResponseMessage> PutDomainAsync(string name, bool renew = false)
    {
        HttpResponseMessage response = await Admin.PutAsync($"v1/domains/{name}{(renew ? "?renew=true" : string.Empty)}", content: null);
        return response;
    }

    public async Task<JsonElement> GetDomainAsync(string name)
    {
        using HttpResponseMessage response = await Admin.GetAsync($"v1/domains/{name}");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {name}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls the admin API until <paramref name="name"/> reaches one of <paramref name="states"/>; fails
    /// with the domain's record, the daemon's and Pebble's output otherwise.</summary>
    public async Task<JsonElement> WaitForStateAsync(string name, TimeSpan timeout, params string[] states)
    {
        var clock = Stopwatch.StartNew();
        JsonElement domain;
        while (true)
        {
            domain = await GetDomainAsync(name);
            if (states.Contains(domain.GetProperty("state").GetString()))
            {
                return domain;
            }

            if (clock.Elapsed > timeout || Daemon.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{name} did not reach {string.Join('|', states)} within {timeout}: {domain}\n--- daemon:\n{Daemon.StandardOutput}\n{Daemon.StandardError}\n--- pebble:\n{Pebble.Output}");
    }

    /// <summary>A full handshake for <paramref name="name"/> that validates the served chain against Pebble's root
    /// (the intermediate must come from the server); returns the leaf.</summary>
    /// <param name="rsaOnly">Offer only TLS 1.2 ECDHE-RSA suites, as an old client that cannot verify ECDSA would.</param>
    public async Task<X509Certificate2> HandshakeAsync(string name, bool rsaOnly = false, CancellationToken cancellationToken = default)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(HttpsEndPoint, cancellationToken);
        await using var tls = new SslStream(tcp.GetStream());
        string? problem = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = name,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            EnabledSslProtocols = rsaOnly ? System.Security.Authentication.SslProtocols.Tls12 : System.Security.Authentication.SslProtocols.None,
            CipherSuitesPolicy = rsaOnly ? new CipherSuitesPolicy([TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]) : null,
            RemoteCertificateValidationCallback = (_, certificate, sent, errors) => ValidatesAgainstRoot(certificate, sent, errors, out problem),
        }, timeout.Token);
        Assert.Null(problem);
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    /// <summary><see cref="HandshakeAsync"/> once the name is served (the store watcher picks a new entry up within
    /// milliseconds; until then the name is unknown and the handshake is refused).</summary>
    public async Task<X509Certificate2> HandshakeWhenServedAsync(string name)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await HandshakeAsync(name);
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(20);
            }
        }
    }

    private bool ValidatesAgainstRoot(X509Certificate? certificate, X509Chain? sent, SslPolicyErrors errors, out string? problem)
    {
        problem = null;
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            problem = $"certificate missing or for another name: {errors}";
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (sent is not null)
        {
            // Only what the server sent: the intermediate must be in the handshake, not fetched or supplied by us.
            chain.ChainPolicy.ExtraStore.AddRange(sent.ChainPolicy.ExtraStore);
        }

        if (!chain.Build(new X509Certificate2(certificate)))
        {
            problem = "chain does not build to Pebble's root: " + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation));
            return false;
        }

        return true;
    }

    /// <summary>What the encrypted store holds for <paramref name="name"/> (one entry per certificate).</summary>
    public async Task<List<Terminator.Storage.StoredCertificateInfo>> StoredForAsync(string name)
    {
        using var key = Terminator.Configuration.StoreKey.FromBytes(Convert.FromBase64String(StoreKey));
        var store = new Terminator.Storage.DirectoryCertificateStore(StoreDirectory, key);
        Terminator.Storage.CertificateStoreListing listing = await store.ListAsync();
        Assert.Empty(listing.Problems);
        return [.. listing.Entries.Where(e => e.Names.Contains(name, StringComparer.Ordinal))];
    }

    public async ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        if (Daemon is not null)
        {
            await Daemon.DisposeAsync();
        }

        await _origin.DisposeAsync();
        await Pebble.DisposeAsync();
        Root.Dispose();
        _root.Dispose();
    }

    [GeneratedRegex(@"ready: .*; admin (?<admin>\S+)$")]
    private static partial Regex ReadyLine();
}
