using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Pebble, Let's Encrypt's ACME test server, on loopback: <c>pebble-challtestsrv</c> as its DNS (every A query answered
/// with 127.0.0.1, no AAAA) and <c>pebble</c> with real validation (<c>PEBBLE_VA_ALWAYS_VALID</c> unset) against the
/// caller's <c>httpPort</c>/<c>tlsPort</c>, so a test's own responder answers the challenges. Debian's package ships no
/// API certificate, so a throwaway CA and a certificate for 127.0.0.1 are made here (<see cref="WfeCaPemPath"/> is what
/// a client must trust). <c>PEBBLE_VA_NOSLEEP=1</c> removes validation delays, <c>PEBBLE_WFE_NONCEREJECT=0</c> the
/// random badNonce rejections (the scripted-server tests cover that path deterministically). Both processes are
/// killed by their ids on dispose, and the temporary directory goes.
/// </summary>
public sealed class PebbleProcess : IAsyncDisposable
{
    private readonly List<Process> _processes = [];
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TempDirectory _directory;

    private PebbleProcess(TempDirectory directory) => _directory = directory;

    /// <summary>True when both binaries are on PATH (Debian package <c>pebble</c>; .ci/run installs it).</summary>
    public static bool IsInstalled => ToolFactAttribute.IsOnPath("pebble") && ToolFactAttribute.IsOnPath("pebble-challtestsrv");

    /// <summary>The ACME directory URL.</summary>
    public Uri DirectoryUri { get; private set; } = null!;

    /// <summary>PEM of the CA that signed Pebble's API (WFE) certificate.</summary>
    public string WfeCaPemPath { get; private set; } = null!;

    /// <summary>PEM of the root Pebble issues under (from the management port's <c>/roots/0</c>).</summary>
    public string RootPem { get; private set; } = null!;

    /// <summary>PEM of the intermediate Pebble issues with (<c>/intermediates/0</c>).</summary>
    public string IntermediatePem { get; private set; } = null!;

    /// <summary>What both processes printed so far (for failure messages).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts the pair; <paramref name="httpPort"/> and <paramref name="tlsPort"/> are where Pebble's validator connects
    /// for HTTP-01 and TLS-ALPN-01. <paramref name="externalAccountMacKeys"/> (kid → base64url key), when given, makes
    /// External Account Binding required.
    /// </summary>
    public static async Task<PebbleProcess> StartAsync(int httpPort, int tlsPort, IReadOnlyDictionary<string, string>? externalAccountMacKeys = null,
        TimeSpan? timeout = null)
    {
        var pebble = new PebbleProcess(new TempDirectory("pebble"));
        try
        {
            await pebble.StartCoreAsync(httpPort, tlsPort, externalAccountMacKeys, timeout ?? TimeSpan.FromSeconds(20));
            return pebble;
        }
        catch
        {
            await pebble.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(int httpPort, int tlsPort, IReadOnlyDictionary<string, string>? macKeys, TimeSpan timeout)
    {
        WfeCaPemPath = Path.Combine(_directory.FullName, "wfe-ca.pem");
        WriteWfeCertificates(_directory.FullName);

        int dnsPort = LoopbackPorts.Reserve(udp: true);
        int challengeManagementPort = LoopbackPorts.Reserve();
        int listenPort = LoopbackPorts.Reserve();
        int managementPort = LoopbackPorts.Reserve();
        string Invariant(int port) => port.ToString(CultureInfo.InvariantCulture);

        Start("pebble-challtestsrv", [], "-dns01", "127.0.0.1:" + Invariant(dnsPort), "-http01", "", "-https01", "", "-tlsalpn01", "",
            "-management", "127.0.0.1:" + Invariant(challengeManagementPort), "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "");

        var config = new Dictionary<string, object>
        {
            ["listenAddress"] = "127.0.0.1:" + Invariant(listenPort),
            ["managementListenAddress"] = "127.0.0.1:" + Invariant(managementPort),
            ["certificate"] = Path.Combine(_directory.FullName, "wfe.pem"),
            ["privateKey"] = Path.Combine(_directory.FullName, "wfe.key"),
            ["httpPort"] = httpPort,
            ["tlsPort"] = tlsPort,
            ["ocspResponderURL"] = "",
            ["externalAccountBindingRequired"] = macKeys is not null,
        };
        if (macKeys is not null)
        {
            config["externalAccountMACKeys"] = macKeys;
        }

        string configPath = Path.Combine(_directory.FullName, "pebble-config.json");
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(new Dictionary<string, object> { ["pebble"] = config }));
        Start("pebble", new Dictionary<string, string> { ["PEBBLE_VA_NOSLEEP"] = "1", ["PEBBLE_WFE_NONCEREJECT"] = "0" },
            "-config", configPath, "-dnsserver", "127.0.0.1:" + Invariant(dnsPort));

        DirectoryUri = new Uri($"https://127.0.0.1:{Invariant(listenPort)}/dir");
        using var http = TrustingClient(WfeCaPemPath);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (Process process in _processes)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{process.StartInfo.FileName} exited with {process.ExitCode}: {Output}");
                }
            }

            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using HttpResponseMessage response = await http.GetAsync(DirectoryUri, attempt.Token);
                if (response.IsSuccessStatusCode && _output.Any(line => line.Contains("Starting management server", StringComparison.Ordinal)))
                {
                    break;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // not listening yet
            }

            if (clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"pebble did not answer {DirectoryUri} within {timeout}: {Output}");
            }

            await Task.Delay(50);
        }

        RootPem = await GetFromManagementAsync(http, new Uri($"https://127.0.0.1:{Invariant(managementPort)}/roots/0"), clock, timeout);
        IntermediatePem = await GetFromManagementAsync(http, new Uri($"https://127.0.0.1:{Invariant(managementPort)}/intermediates/0"), clock, timeout);
    }

    /// <summary>The management port starts listening a moment after the API: retry until it answers.</summary>
    private async Task<string> GetFromManagementAsync(HttpClient http, Uri url, Stopwatch clock, TimeSpan timeout)
    {
        while (true)
        {
            try
            {
                return await http.GetStringAsync(url);
            }
            catch (HttpRequestException) when (clock.Elapsed < timeout)
            {
                await Task.Delay(50);
            }
            catch (HttpRequestException ex)
            {
                throw new InvalidOperationException($"pebble's management port did not answer {url}: {Output}", ex);
            }
        }
    }

    private void Start(string program, Dictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.FullName,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("PEBBLE_VA_ALWAYS_VALID"); // real validation, whatever the caller's environment says
        foreach ((string name, string value) in environment)
        {
            info.Environment[name] = value;
        }

        Process process = Process.Start(info)!;
        _processes.Add(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>An HttpClient that trusts only <paramref name="caPemPath"/> (the WFE CA) for Pebble's HTTPS.</summary>
    public static HttpClient TrustingClient(string caPemPath)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caPemPath);
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build((X509Certificate2)certificate);
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>A throwaway CA and, signed by it, Pebble's API certificate for 127.0.0.1 and localhost.</summary>
    private static void WriteWfeCertificates(string directory)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Terminator test Pebble WFE CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using X509Certificate2 wfe = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(12));

        File.WriteAllText(Path.Combine(directory, "wfe-ca.pem"), ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(directory, "wfe.pem"), wfe.ExportCertificatePem() + "\n");
        var keyOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        using var writer = new StreamWriter(Path.Combine(directory, "wfe.key"), Encoding.ASCII, keyOptions);
        writer.Write(key.ExportPkcs8PrivateKeyPem() + "\n");
    }



    public async ValueTask DisposeAsync()
    {
        foreach (Process process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await process.WaitForExitAsync(wait.Token);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            finally
            {
                process.Dispose();
            }
        }

        _directory.Dispose();
    }
}
