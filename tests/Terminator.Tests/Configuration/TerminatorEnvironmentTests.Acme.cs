using Terminator.Configuration;

namespace Terminator.Tests.Configuration;

/// <summary>The TERMINATOR_ACME_* variables: defaults, values and the rules between them.</summary>
public sealed partial class TerminatorEnvironmentTests
{
    private const string Key = "TERMINATOR_STORE_KEY";
    private const string ValidKey = "q7bCLxHq2m8u1e6J2sCqzJ3k9vW0c1Yb5Q2f8r6T4nA=";

    [Fact]
    public void TryLoad_AcmeDefaults_OffLetsEncryptEcdsaBothChallengesPreflightOn()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);

        AcmeOptions acme = options.Acme;
        Assert.False(acme.Enabled);
        Assert.Equal(new Uri(AcmeOptions.LetsEncryptDirectory), acme.Directory);
        Assert.Equal(AcmeKeyTypes.Ecdsa, acme.KeyTypes);
        Assert.Equal(["http-01", "tls-alpn-01"], acme.Challenges);
        Assert.True(acme.Preflight);
        Assert.Equal((4, 90), (acme.Concurrency, acme.OrdersPerHour));
    }

    [Fact]
    public void TryLoad_AcmeOn_WithStoreKeyAndSettings_Parsed()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_ACME", "on"), (Key, ValidKey),
            ("TERMINATOR_ACME_DIRECTORY", "https://127.0.0.1:14000/dir"), ("TERMINATOR_ACME_EMAIL", "ops@example.com"),
            ("TERMINATOR_ACME_KEY_TYPE", "both"), ("TERMINATOR_ACME_CHALLENGES", "tls-alpn-01, http-01"),
            ("TERMINATOR_ACME_EAB_KID", "kid-1"), ("TERMINATOR_ACME_EAB_HMAC", "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W")),
            out TerminatorOptions? options, out string? error), error);

        Assert.True(options.Acme.Enabled);
        Assert.Equal("https://127.0.0.1:14000/dir", options.Acme.Directory.ToString());
        Assert.Equal(AcmeKeyTypes.Both, options.Acme.KeyTypes);
        Assert.Equal(["tls-alpn-01", "http-01"], options.Acme.Challenges);
        Assert.Equal(("ops@example.com", "kid-1"), (options.Acme.Email, options.Acme.EabKeyId));
    }

    [Theory]
    [InlineData("TERMINATOR_ACME", "yes", "TERMINATOR_ACME: 'yes' is not a setting")]
    [InlineData("TERMINATOR_ACME_DIRECTORY", "http://ca.example/dir", "is not an https:// URL")]
    [InlineData("TERMINATOR_ACME_CA_ROOT", "/nonexistent/root.pem", "does not exist")]
    [InlineData("TERMINATOR_ACME_EMAIL", "ops at example.com", "is not an email address")]
    [InlineData("TERMINATOR_ACME_KEY_TYPE", "ed25519", "is not a key type")]
    [InlineData("TERMINATOR_ACME_CHALLENGES", "dns-01", "dns-01 needs a DNS provider")]
    [InlineData("TERMINATOR_ACME_CONCURRENCY", "0", "TERMINATOR_ACME_CONCURRENCY")]
    [InlineData("TERMINATOR_ACME_EAB_KID", "kid-1", "TERMINATOR_ACME_EAB_HMAC: required with TERMINATOR_ACME_EAB_KID")]
    [InlineData("TERMINATOR_ACME_EAB_HMAC", "not base64!", "not base64url")]
    public void TryLoad_BadAcmeValue_OneLineNamingTheVariable(string name, string value, string expected)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env((name, value)), out _, out string? error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Fact]
    public void TryLoad_AcmeOnWithoutStoreKey_RefusedNamingTheStoreKey()
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_ACME", "on")), out _, out string? error));

        Assert.StartsWith("TERMINATOR_ACME: 'on' needs the encrypted store", error, StringComparison.Ordinal);
    }
}
