using System.Net;
using System.Security.Cryptography;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Configuration;

/// <summary>TERMINATOR_ADMIN_LISTEN, TERMINATOR_ADMIN_TOKEN, TERMINATOR_ADMIN_TOKEN_FILE: parsing and start-up rules.</summary>
public sealed class AdminConfigurationTests : IDisposable
{
    private readonly TempDirectory _dir = new("admin-config");
    private readonly string _token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string?> Env(params (string Name, string? Value)[] values)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["TERMINATOR_CERT_DIR"] = _dir.FullName };
        foreach ((string name, string? value) in values)
        {
            env[name] = value;
        }

        return env;
    }

    private static string Load(Dictionary<string, string?> env, out TerminatorOptions? options)
    {
        TerminatorEnvironment.TryLoad(env, out options, out string? error);
        return error ?? "ok";
    }

    [Fact]
    public void Defaults_LoopbackListener_NoToken_StateUnderTheStore()
    {
        Assert.Equal("ok", Load(Env(), out TerminatorOptions? options));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9180), options!.AdminListen);
        Assert.Null(options.AdminToken);
        Assert.Equal("/var/lib/terminator/store/domains", options.DomainsDirectory);
        Assert.Equal("/srv/s/domains", (options with { StoreDirectory = "/srv/s" }).DomainsDirectory);
    }

    [Theory]
    [InlineData("off", null)]
    [InlineData("OFF", null)]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    [InlineData("[::1]:9999", "[::1]:9999")]
    [InlineData("", "127.0.0.1:9180")]
    public void Listen_Values(string value, string? expected)
    {
        Assert.Equal("ok", Load(Env(("TERMINATOR_ADMIN_LISTEN", value)), out TerminatorOptions? options));
        Assert.Equal(expected, options!.AdminListen?.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1:1,127.0.0.1:2", "TERMINATOR_ADMIN_LISTEN: '127.0.0.1:1,127.0.0.1:2' lists 2 addresses; the admin API listens on one")]
    [InlineData("localhost:9180", "TERMINATOR_ADMIN_LISTEN: ")]
    public void Listen_Errors(string value, string expectedStart)
    {
        Assert.StartsWith(expectedStart, Load(Env(("TERMINATOR_ADMIN_LISTEN", value)), out _), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0:9180")]
    [InlineData("10.1.2.3:9180")]
    public void NonLoopbackListener_WithAcmeOn_NeedsAToken_WithAcmeOff_ServesOnlyMetricsAndProbes(string value)
    {
        const string storeKey = "q7bCLxHq2m8u1e6J2sCqzJ3k9vW0c1Yb5Q2f8r6T4nA=";
        Assert.StartsWith($"TERMINATOR_ADMIN_TOKEN: required when TERMINATOR_ADMIN_LISTEN ({value}) is not a loopback address and TERMINATOR_ACME=on",
            Load(Env(("TERMINATOR_ADMIN_LISTEN", value), ("TERMINATOR_ACME", "on"), ("TERMINATOR_STORE_KEY", storeKey)), out _), StringComparison.Ordinal);
        Assert.Equal("ok", Load(Env(("TERMINATOR_ADMIN_LISTEN", value), ("TERMINATOR_ACME", "on"), ("TERMINATOR_STORE_KEY", storeKey), ("TERMINATOR_ADMIN_TOKEN", _token)), out _));
        Assert.Equal("ok", Load(Env(("TERMINATOR_ADMIN_LISTEN", value)), out TerminatorOptions? off));
        Assert.Equal(value, off!.AdminListen?.ToString());
    }

    [Fact]
    public void NonLoopbackListener_WithAToken_IsAccepted_AndConflictsWithAProxyPortAreCaught()
    {
        Assert.Equal("ok", Load(Env(("TERMINATOR_ADMIN_LISTEN", "0.0.0.0:9180"), ("TERMINATOR_ADMIN_TOKEN", _token)), out TerminatorOptions? options));
        Assert.NotNull(options!.AdminToken);
        Assert.Equal("TERMINATOR_ADMIN_LISTEN: 127.0.0.1:8080 conflicts with 0.0.0.0:8080 in TERMINATOR_HTTP_LISTEN",
            Load(Env(("TERMINATOR_HTTP_LISTEN", "0.0.0.0:8080"), ("TERMINATOR_ADMIN_LISTEN", "127.0.0.1:8080")), out _));
    }

    [Theory]
    [InlineData("short", "is 5 characters long")]
    [InlineData("this token has spaces in it, which a header cannot carry", "contains a character")]
    [InlineData("0123456789abcdef0123456789abcdef\u00e9", "contains a character")]
    public void Token_Errors_NeverRepeatTheValue(string value, string reasonPart)
    {
        string error = Load(Env(("TERMINATOR_ADMIN_TOKEN", value)), out _);
        Assert.StartsWith("TERMINATOR_ADMIN_TOKEN: ", error, StringComparison.Ordinal);
        Assert.Contains(reasonPart, error, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TokenFile_IsRead_Trimmed_AndExclusiveWithTheVariable()
    {
        string file = Path.Combine(_dir.FullName, "admin.token");
        File.WriteAllText(file, _token + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("ok", Load(Env(("TERMINATOR_ADMIN_TOKEN_FILE", file)), out TerminatorOptions? options));
        Assert.Equal(file, options!.AdminTokenFile);
        Assert.True(options.AdminToken!.Matches(System.Text.Encoding.ASCII.GetBytes(_token)));
        Assert.Null(AdminToken.DescribeTokenFilePermissionProblem(file));

        Assert.Equal("TERMINATOR_ADMIN_TOKEN_FILE: set together with TERMINATOR_ADMIN_TOKEN; set only one",
            Load(Env(("TERMINATOR_ADMIN_TOKEN", _token), ("TERMINATOR_ADMIN_TOKEN_FILE", file)), out _));
        Assert.StartsWith($"TERMINATOR_ADMIN_TOKEN_FILE: cannot read '{file}.missing'",
            Load(Env(("TERMINATOR_ADMIN_TOKEN_FILE", file + ".missing")), out _), StringComparison.Ordinal);

        File.WriteAllText(file, "tiny");
        Assert.Equal($"TERMINATOR_ADMIN_TOKEN_FILE: '{file}' is 4 characters long; a token is 32 to 512 characters (e.g. 'openssl rand -base64 32')",
            Load(Env(("TERMINATOR_ADMIN_TOKEN_FILE", file)), out _));

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Equal($"token file '{file}' is accessible by group or others (mode 644); restrict it (chmod 600)",
            AdminToken.DescribeTokenFilePermissionProblem(file));
    }

    [Fact]
    public void TryLoadAdmin_ReadsOnlyTheAdminVariables()
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["TERMINATOR_CERT_DIR"] = Path.Combine(_dir.FullName, "does-not-exist"),
            ["TERMINATOR_HTTPS_LISTEN"] = "not an address",
            ["TERMINATOR_ADMIN_LISTEN"] = "0.0.0.0:9555",
            ["TERMINATOR_ADMIN_TOKEN"] = _token,
        };
        Assert.True(TerminatorEnvironment.TryLoadAdmin(env, out AdminOptions? options, out string? error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9555), options.EndPoint);
        Assert.NotNull(options.Token);

        Assert.True(TerminatorEnvironment.TryLoadAdmin(new Dictionary<string, string?>(), out AdminOptions? defaults, out _));
        Assert.Equal(TerminatorOptions.DefaultAdminListen, defaults.EndPoint);
        Assert.Null(defaults.Token);

        env["TERMINATOR_ADMIN_LISTEN"] = "nonsense";
        Assert.False(TerminatorEnvironment.TryLoadAdmin(env, out _, out string? listenError));
        Assert.StartsWith("TERMINATOR_ADMIN_LISTEN: ", listenError, StringComparison.Ordinal);
    }
}
