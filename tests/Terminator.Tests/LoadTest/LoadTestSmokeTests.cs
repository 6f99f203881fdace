using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using System.Text.Json;
using Terminator.Tests.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.LoadTest;

/// <summary>
/// <c>loadtest/</c>'s smoke against the demo it starts itself, run as the real process (built next to the tests, see the
/// csproj) for a few seconds: it passes its thresholds against a healthy demo, and fails naming the threshold when the
/// demo's upstream is dead. Both together stay well under 30 s.
/// </summary>
public sealed class LoadTestSmokeTests : IDisposable
{
    private readonly TempDirectory _out = new("loadtest");

    public void Dispose() => _out.Dispose();

    [Fact]
    public async Task Smoke_AgainstTheDemo_MeetsEveryThreshold_WritesTheThreeReports()
    {
        (int exit, string stdout, string stderr) = await RunAsync("--scenario smoke --duration 4s --warmup 2s");

        Assert.True(exit == 0, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("every threshold met", stdout, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_out.FullName, "report.json")));
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.False(json.RootElement.GetProperty("insecure").GetBoolean());
        Assert.Equal("openssl", json.RootElement.GetProperty("tlsClient").GetString());
        JsonElement clicks = json.RootElement.GetProperty("plans")[0].GetProperty("scenarios")[0];
        Assert.Equal("clicks", clicks.GetProperty("name").GetString());
        Assert.True(clicks.GetProperty("stats").GetProperty("requests").GetInt64() >= 20, clicks.ToString());
        Assert.Contains("<svg", await File.ReadAllTextAsync(Path.Combine(_out.FullName, "report.html")), StringComparison.Ordinal);
        Assert.Contains("clicks.p99", await File.ReadAllTextAsync(Path.Combine(_out.FullName, "report.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smoke_WithTheSslStreamEngine_MeetsEveryThreshold()
    {
        (int exit, string stdout, string stderr) = await RunAsync("--scenario smoke --duration 3s --warmup 1s --tls-engine sslstream");

        Assert.True(exit == 0, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("certificate verification on; TLS client sslstream", stdout, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_out.FullName, "report.json")));
        Assert.Equal("sslstream", json.RootElement.GetProperty("tlsClient").GetString());
    }

    [Fact]
    public async Task UnknownTlsEngine_ExitsTwo_NamingIt()
    {
        (int exit, _, string stderr) = await RunAsync("--tls-engine schannel");

        Assert.Equal(2, exit);
        Assert.StartsWith("Terminator.LoadTest: --tls-engine: 'schannel' is neither openssl nor sslstream", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smoke_DemoWithADeadUpstream_ExitsOne_NamingTheErrorRateThreshold()
    {
        (int exit, string stdout, string stderr) = await RunAsync("--scenario smoke --duration 4s --warmup 2s --break-upstream");

        Assert.True(exit == 1, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("threshold violated: clicks.error-rate: error rate <= 1%, was 100%", stderr, StringComparison.Ordinal);
        Assert.Contains("http 502", await File.ReadAllTextAsync(Path.Combine(_out.FullName, "report.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownScenario_ExitsTwo_NamingIt_StartsNothing()
    {
        (int exit, string stdout, string stderr) = await RunAsync("--scenario black-friday");

        Assert.True(exit == 2, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.StartsWith("Terminator.LoadTest: --scenario: unknown scenario 'black-friday'", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task RunnerProcess_ForgedCertificateSignature_RefusedByItsOpenSslEngine()
    {
        // The runner's own process is the only one with OpenSSL's built-in EC engine registered (LegacyEcKeys): the
        // signature check must hold there. The right name and issuer, one bit of the CA's signature flipped.
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Forgery CA");
        IssuedCertificate issued = authority.Issue(["forged.tracking.test"]);
        byte[] der = X509Certificate2.CreateFromPem(issued.CertificatePem).RawData;
        der[^1] ^= 0x01;
        var certificates = new CertificateMap();
        certificates.Set(CertificateLoader.LoadPem(new string(PemEncoding.Write("CERTIFICATE", der)) + "\n", issued.PrivateKeyPem, "test:forged"));
        await using var upstream = new RecordingUpstream();
        await using var terminator = TestTerminator.Start(upstream.EndPoint, certificates);
        string names = Path.Combine(_out.FullName, "names.txt");
        string caFile = Path.Combine(_out.FullName, "ca.pem");
        await File.WriteAllTextAsync(names, "forged.tracking.test\n");
        await File.WriteAllTextAsync(caFile, authority.CertificatePem);

        (int exit, string stdout, string stderr) = await RunAsync(
            $"--target {terminator.Https} --names {names} --ca {caFile} --scenario clicks --duration 2s --warmup 0s");

        Assert.True(exit == 1, $"exit {exit}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("certificate signature failure", await File.ReadAllTextAsync(Path.Combine(_out.FullName, "report.md")), StringComparison.Ordinal);
        Assert.Equal(0, upstream.ConnectionCount);
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string commandLine)
    {
        string dll = Path.Combine(ReadmeTests.RepositoryRoot(), typeof(LoadTestSmokeTests).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "LoadTestDll").Value!);
        Assert.True(File.Exists(dll), $"{dll} not built");
        return await ToolProcess.RunAsync("dotnet", [dll, .. commandLine.Split(' '), "--out", _out.FullName], TimeSpan.FromSeconds(40),
            configure: info => ToolProcess.UseTerminatorEnvironment(info, new Dictionary<string, string>()));
    }
}
