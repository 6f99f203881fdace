using System.Net;
using System.Text.RegularExpressions;
using Terminator.Samples.Certificates;
using Terminator.Samples.Origin;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Interop;

/// <summary>The daemon process: what its ready line says, and what SIGHUP reloads.</summary>
public sealed partial class DaemonReloadTests
{
    [Fact]
    public async Task PlainHttpOff_ReadyLineSaysOff()
    {
        using var temp = new TempDirectory("ready");
        string dir = temp.FullName;
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Ready CA");
        authority.Issue(["click.ready.test"]).WriteFlat(dir, "one");

        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = dir,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
        });
        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));

        Assert.Equal("off", ready.Groups["http"].Value);
    }

    [Fact]
    public async Task Sighup_ReloadsDefaultCertificate()
    {
        using var temp = new TempDirectory("default");
        string dir = temp.FullName;
        using LocalCertificateAuthority authority = LocalCertificateAuthority.Create("Default CA");
        authority.Issue(["click.site.test"]).WriteFlat(dir, "site");
        using var fallbackDirectory = new TempDirectory("fallback");
        string fallback = fallbackDirectory.PathOf("default.pem");
        authority.Issue(["first-default.test"]).WriteCombined(fallback);
        await using SampleTrackingOrigin origin = await SampleTrackingOrigin.StartAsync(new IPEndPoint(IPAddress.Loopback, 0));

        await using DaemonProcess daemon = DaemonProcess.Start(null, new Dictionary<string, string>
        {
            ["TERMINATOR_CERT_DIR"] = dir,
            ["TERMINATOR_HTTPS_LISTEN"] = "127.0.0.1:0",
            ["TERMINATOR_HTTP_LISTEN"] = "off",
            ["TERMINATOR_UNKNOWN_SNI"] = "default",
            ["TERMINATOR_DEFAULT_CERT"] = fallback,
            ["TERMINATOR_UPSTREAM"] = $"http://{origin.EndPoint}",
        });
        Match ready = await daemon.WaitForLineAsync(ReadyLine(), TimeSpan.FromSeconds(30));
        string https = ready.Groups["https"].Value;

        Assert.Contains("CN = first-default.test", await SubjectWithoutSniAsync(https), StringComparison.Ordinal);

        authority.Issue(["second-default.test"]).WriteCombined(fallback);
        daemon.Signal(DaemonProcess.SIGHUP);
        await daemon.WaitForLineAsync(ReloadedLine(), TimeSpan.FromSeconds(15));

        Assert.Contains("CN = second-default.test", await SubjectWithoutSniAsync(https), StringComparison.Ordinal);
    }

    private static async Task<string> SubjectWithoutSniAsync(string endPoint)
    {
        (int exit, string output) = await DaemonProcess.RunToolAsync("openssl",
            ["s_client", "-connect", endPoint, "-noservername", "-brief"], standardInput: "");
        Assert.True(exit == 0, output);
        return output;
    }

    [GeneratedRegex(@"ready: .*https (?<https>[^;]+); http (?<http>[^;]+);")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"SIGHUP: rescan done .*; default certificate reloaded")]
    private static partial Regex ReloadedLine();
}
