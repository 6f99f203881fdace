using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Terminator.Tests.TestHelpers;
using Xunit.Abstractions;

namespace Terminator.Tests.Acme;

/// <summary>
/// Automatic HTTPS end to end: the daemon process, started with an empty store and no certificate directory, gets a
/// domain through <c>PUT /v1/domains/{name}</c>, obtains its certificate from a real Pebble that validates against the
/// daemon's own listeners, and serves it (checked by a client that trusts only Pebble's root).
/// </summary>
public sealed class AutomaticHttpsDaemonTests(ITestOutputHelper output)
{
    private static readonly TimeSpan IssueTimeout = TimeSpan.FromSeconds(60);

    [PebbleFact]
    public async Task Http01_DomainAddedThroughTheApi_IsIssuedAndServed_ThenRenewedWhileClientsHandshakeWithoutAFailure()
    {
        await using AcmeDaemon acme = await AcmeDaemon.StartAsync("http-01");
        const string name = "click.http01.test";

        using (HttpResponseMessage put = await acme.PutDomainAsync(name))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        JsonElement valid = await acme.WaitForStateAsync(name, IssueTimeout, "valid");
        Assert.Equal(JsonValueKind.String, valid.GetProperty("notAfter").ValueKind);
        Assert.Equal(JsonValueKind.String, valid.GetProperty("nextRenewal").ValueKind);
        Assert.Equal(JsonValueKind.Null, valid.GetProperty("lastError").ValueKind);

        // Served within moments of being valid (the store watcher), to a client that trusts only Pebble's root.
        X509Certificate2 first = await acme.HandshakeWhenServedAsync(name);
        Assert.Contains(name, first.GetNameInfo(X509NameType.DnsName, forIssuer: false), StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.Parse(valid.GetProperty("notAfter").GetString()!, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime,
            first.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));

        // A real client through the served name: curl with Pebble's root and the name resolved to the daemon.
        string rootPath = Path.Combine(acme.StoreDirectory, "..", "pebble-root.pem");
        await File.WriteAllTextAsync(rootPath, acme.Pebble.RootPem);
        (int exit, string stdout, string stderr) = await ToolProcess.RunAsync("curl",
            ["-sS", "--max-time", "10", "--cacert", rootPath, "--resolve", $"{name}:{acme.HttpsEndPoint.Port}:127.0.0.1", "-o", "/dev/null", "-w", "%{http_code}",
             $"https://{name}:{acme.HttpsEndPoint.Port}/q/abc"], TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, stderr);
        Assert.Equal("200", stdout);

        // Forced renewal while a client keeps making full handshakes: every one succeeds, and the new certificate
        // takes over.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var served = new List<string>();
        var failures = new List<string>();
        Task client = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using X509Certificate2 leaf = await acme.HandshakeAsync(name, cancellationToken: stop.Token);
                    lock (served)
                    {
                        served.Add(leaf.Thumbprint);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    lock (served)
                    {
                        failures.Add(ex.GetType().Name + ": " + ex.Message);
                    }
                }
            }
        });

        using (HttpResponseMessage renew = await acme.PutDomainAsync(name, renew: true))
        {
            Assert.True(renew.IsSuccessStatusCode, await renew.Content.ReadAsStringAsync());
        }

        bool takenOver = await Eventually.TrueAsync(() =>
        {
            lock (served)
            {
                // The new certificate served, then a few more handshakes on it.
                int index = served.FindIndex(t => t != first.Thumbprint);
                return index >= 0 && served.Count - index >= 20;
            }
        }, TimeSpan.FromSeconds(60));
        Assert.True(takenOver, $"served {served.Count}, failures {failures.Count}\n{acme.Daemon.StandardOutput}\n{acme.Daemon.StandardError}");
        // The replaced entry is retired from the store once its successor is served, while the client goes on.
        var stored = await Eventually.ResultAsync(() => acme.StoredForAsync(name), e => e.Count == 1, TimeSpan.FromSeconds(15));
        Assert.Single(stored);
        int handshakesAfterRetire;
        lock (served)
        {
            handshakesAfterRetire = served.Count + 20;
        }

        Assert.True(await Eventually.TrueAsync(() => { lock (served) { return served.Count >= handshakesAfterRetire; } }, TimeSpan.FromSeconds(30)));
        await stop.CancelAsync();
        await client;

        Assert.Empty(failures);
        int before = served.FindIndex(t => t != first.Thumbprint);
        Assert.True(served.Skip(before).All(t => t != first.Thumbprint), "the old certificate was served again after the new one");
        output.WriteLine($"forced renewal: {served.Count} full handshakes, {before} on the old certificate, 0 failed");

        JsonElement renewed = await acme.GetDomainAsync(name);
        Assert.Equal("valid", renewed.GetProperty("state").GetString());
        Assert.Equal((await acme.StoredForAsync(name)).Single().Id, renewed.GetProperty("certificateIds")[0].GetString());
    }

    [PebbleFact]
    public async Task TlsAlpn01_DomainAddedThroughTheApi_IsIssuedThroughTheTlsListenerAndServed()
    {
        await using AcmeDaemon acme = await AcmeDaemon.StartAsync("tls-alpn-01");
        const string name = "email.alpn.test";

        using (HttpResponseMessage put = await acme.PutDomainAsync(name))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        await acme.WaitForStateAsync(name, IssueTimeout, "valid");
        using X509Certificate2 leaf = await acme.HandshakeWhenServedAsync(name);
        Assert.Contains(name, leaf.GetNameInfo(X509NameType.DnsName, forIssuer: false), StringComparison.Ordinal);
        // The challenge certificate was served only on acme-tls/1: an ordinary client never sees it.
        Assert.Null(leaf.Extensions["1.3.6.1.5.5.7.1.31"]);
    }

    [PebbleFact]
    public async Task KeyTypeBoth_ADomainAddedWithoutABody_GetsAnEcdsaAndAnRsaCertificate_EachServedToTheClientThatCanVerifyIt()
    {
        await using AcmeDaemon acme = await AcmeDaemon.StartAsync("http-01", new Dictionary<string, string> { ["TERMINATOR_ACME_KEY_TYPE"] = "both" });
        const string name = "click.both.test";
        using (HttpResponseMessage put = await acme.PutDomainAsync(name))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        JsonElement valid = await acme.WaitForStateAsync(name, IssueTimeout, "valid");
        Assert.Equal("both", valid.GetProperty("keyType").GetString());
        Assert.Equal(2, valid.GetProperty("certificateIds").GetArrayLength());
        Assert.Equal(2, (await acme.StoredForAsync(name)).Count);

        using X509Certificate2 modern = await acme.HandshakeWhenServedAsync(name);
        Assert.NotNull(modern.GetECDsaPublicKey());
        using X509Certificate2 old = await acme.HandshakeAsync(name, rsaOnly: true);
        Assert.NotNull(old.GetRSAPublicKey());
    }

    [PebbleFact]
    public async Task KilledInTheMiddleOfAnOrder_AfterRestartTheDomainIsIssuedOnce_AndNoneIsLost()
    {
        await using AcmeDaemon acme = await AcmeDaemon.StartAsync("http-01");
        const string name = "click.restart.test";
        const string other = "email.restart.test";

        using (HttpResponseMessage put = await acme.PutDomainAsync(other))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        await acme.WaitForStateAsync(other, IssueTimeout, "valid");
        int ordersBefore = acme.Pebble.Output.Split('\n').Count(l => l.Contains("Added order", StringComparison.Ordinal));
        using (HttpResponseMessage put = await acme.PutDomainAsync(name))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        // Crash (SIGKILL: no drain, nothing flushed by us) once the CA has the new order and before it is valid.
        Assert.True(await Eventually.TrueAsync(() => acme.Pebble.Output.Split('\n').Count(l => l.Contains("Added order", StringComparison.Ordinal)) > ordersBefore,
            TimeSpan.FromSeconds(30)), acme.Pebble.Output);
        await acme.RestartAsync(DaemonProcess.SIGKILL);

        await acme.WaitForStateAsync(name, IssueTimeout, "valid");
        Assert.Equal("valid", (await acme.GetDomainAsync(other)).GetProperty("state").GetString());
        Assert.Single(await acme.StoredForAsync(name));
        Assert.Single(await acme.StoredForAsync(other));
        using X509Certificate2 leaf = await acme.HandshakeWhenServedAsync(name);
        Assert.Equal((await acme.StoredForAsync(name)).Single().NotAfter.UtcDateTime, leaf.NotAfter.ToUniversalTime(), TimeSpan.FromSeconds(1));
        using X509Certificate2 otherLeaf = await acme.HandshakeAsync(other);
        Assert.Contains(other, otherLeaf.GetNameInfo(X509NameType.DnsName, forIssuer: false), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CaUnreachable_DaemonStartsAndServesTheStore_AndTheDomainShowsTheTransportFailure()
    {
        using var temp = new TempDirectory("acme-down");
        string root = temp.FullName;
        using var authority = Terminator.Samples.Certificates.LocalCertificateAuthority.Create("CA Down Test");
        string storeDir = Path.Combine(root, "store");
        var env = new Dictionary<string, string>
        {
            ["TERMINATOR_STORE_DIR"] = storeDir,
            ["TERMINATOR_STORE_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        authority.Issue(["imported.down.test"]).WriteCombined(Path.Combine(root, "imported.pem"));
        var import = await Terminator.Tests.Storage.StoreCli.RunAsync(env, "import", Path.Combine(root, "imported.pem"));
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);

        await using var origin = await Terminator.Samples.Origin.SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));
        string token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>(env)
        {
            ["TERMINATOR_ACME"] = "on",
            ["TERMINATOR_ACME_DIRECTORY"] = $"https://127.0.0.1:{LoopbackPorts.Reserve()}/dir", // nothing listens there
            ["TERMINATOR_ACME_PREFLIGHT"] = "off",
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_ADMIN_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_ADMIN_TOKEN"] = token,
            ["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}",
        });
        var ready = await daemon.WaitForLineAsync(new System.Text.RegularExpressions.Regex(@"ready: .*https (?<https>[^;,]+);.*; admin (?<admin>\S+)$"), TimeSpan.FromSeconds(30));
        using var admin = new HttpClient { BaseAddress = new Uri($"http://{ready.Groups["admin"].Value}/"), Timeout = TimeSpan.FromSeconds(10) };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using (HttpResponseMessage put = await admin.PutAsync("v1/domains/click.down.test", content: null))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        JsonElement domain = await Eventually.ResultAsync(
            async () => JsonDocument.Parse(await admin.GetStringAsync("v1/domains/click.down.test")).RootElement.Clone(),
            d => d.GetProperty("state").GetString() == "failed", TimeSpan.FromSeconds(30));
        Assert.Equal("failed", domain.GetProperty("state").GetString());
        Assert.Contains("127.0.0.1", domain.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, domain.GetProperty("attempts").GetInt32());
        output.WriteLine($"lastError: {domain.GetProperty("lastError").GetString()}");
        // Retried later (backoff from 5 minutes), not in a loop against a CA that is down.
        DateTimeOffset next = DateTimeOffset.Parse(domain.GetProperty("nextRenewal").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(next - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(7));

        // What the store had is served all along.
        using X509Certificate2 caRoot = X509Certificate2.CreateFromPem(authority.CertificatePem);
        await using (RawHttpClient client = await RawHttpClient.ConnectTlsAsync(IPEndPoint.Parse(ready.Groups["https"].Value), "imported.down.test", caRoot))
        {
            await client.SendAsync("GET /q/abc HTTP/1.1\r\nHost: imported.down.test\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync())!.Status);
        }

        Assert.False(daemon.HasExited);
    }
}
