using System.Globalization;
using System.Net;
using Terminator.Configuration;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Configuration;

public sealed partial class TerminatorEnvironmentTests : IDisposable
{
    private readonly TempDirectory _dir = new("config");

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

    private static string Show(object? value) => value switch
    {
        IReadOnlyList<IPEndPoint> list => string.Join(",", list),
        TimeSpan t => t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms",
        null => "null",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    [Fact]
    public void TryLoad_OnlyCertDir_EveryOtherPropertyEqualsDefault()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(_dir.FullName, options.CertDirectory);
        foreach (var property in typeof(TerminatorOptions).GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.Name != "CertDirectory" && p.Name != "Default" && p.Name != "EqualityContract"))
        {
            Assert.True(Show(property.GetValue(TerminatorOptions.Default)) == Show(property.GetValue(options)), property.Name);
        }
    }

    [Fact]
    public void Default_Values_MatchTheDocumentedDefaults()
    {
        TerminatorOptions d = TerminatorOptions.Default;
        Assert.Equal("0.0.0.0:443", Show(d.HttpsListen));
        Assert.Equal("0.0.0.0:80", Show(d.HttpListen));
        Assert.Equal("/etc/terminator/certs", d.CertDirectory);
        Assert.Equal(UnknownSniPolicy.Reject, d.UnknownSni);
        Assert.Null(d.DefaultCertificatePath);
        Assert.Equal(("127.0.0.1", 8080), (d.UpstreamHost, d.UpstreamPort));
        Assert.Equal(TimeSpan.FromSeconds(10), d.UpstreamDnsTtl);
        Assert.Equal(256, d.UpstreamMaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(30), d.UpstreamTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), d.UpstreamConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), d.UpstreamIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), d.HandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), d.HeaderTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), d.IdleTimeout);
        Assert.Equal(240, d.MinRequestBodyBytesPerSecond);
        Assert.Equal(32768, d.MaxHeaderBytes);
        Assert.Equal(100, d.MaxHeaderCount);
        Assert.Equal(8192, d.MaxRequestTargetLength);
        Assert.Equal(100000, d.MaxConnections);
        Assert.Equal(512, d.MaxConnectionsPerIp);
        Assert.Equal(64, d.MaxConnectionsPerIpIpv6Prefix);
        Assert.Equal(TimeSpan.FromSeconds(30), d.DrainTimeout);
        Assert.Equal(4096, d.ListenBacklog);
        Assert.Equal("info", d.LogLevel);
        Assert.True(d.OcspStapling);
        Assert.Equal(ForwardedHeadersPolicy.Replace, d.ForwardedHeaders);
    }

    [Fact]
    public void TryLoad_DefaultCertDirMissing_NamesTheVariable()
    {
        if (Directory.Exists("/etc/terminator/certs"))
        {
            return; // the machine really has the default directory; nothing to prove here
        }

        Assert.False(TerminatorEnvironment.TryLoad(new Dictionary<string, string?>(), out _, out string? error));
        Assert.Equal("TERMINATOR_CERT_DIR: directory '/etc/terminator/certs' does not exist", error);
    }

    [Theory]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "127.0.0.1:8443", "HttpsListen", "127.0.0.1:8443")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", " [::1]:443 , 10.0.0.1:443 ", "HttpsListen", "[::1]:443,10.0.0.1:443")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "127.0.0.1:0,127.0.0.2:0", "HttpsListen", "127.0.0.1:0,127.0.0.2:0")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "", "HttpsListen", "0.0.0.0:443")]
    [InlineData("TERMINATOR_HTTP_LISTEN", "off", "HttpListen", "")]
    [InlineData("TERMINATOR_HTTP_LISTEN", "OFF", "HttpListen", "")]
    [InlineData("TERMINATOR_HTTP_LISTEN", "", "HttpListen", "")]
    [InlineData("TERMINATOR_HTTP_LISTEN", "[::]:8080", "HttpListen", "[::]:8080")]
    [InlineData("TERMINATOR_UNKNOWN_SNI", "reject", "UnknownSni", "Reject")]
    [InlineData("TERMINATOR_OCSP_STAPLING", "off", "OcspStapling", "False")]
    [InlineData("TERMINATOR_OCSP_STAPLING", "OFF", "OcspStapling", "False")]
    [InlineData("TERMINATOR_OCSP_STAPLING", "on", "OcspStapling", "True")]
    [InlineData("TERMINATOR_OCSP_STAPLING", "", "OcspStapling", "True")]
    [InlineData("TERMINATOR_UPSTREAM", "http://origin.internal:9000", "UpstreamHost", "origin.internal")]
    [InlineData("TERMINATOR_UPSTREAM", "http://origin.internal:9000/", "UpstreamPort", "9000")]
    [InlineData("TERMINATOR_UPSTREAM", "http://origin.internal", "UpstreamPort", "80")]
    [InlineData("TERMINATOR_UPSTREAM", "http://[::1]:8081", "UpstreamHost", "::1")]
    [InlineData("TERMINATOR_UPSTREAM_DNS_TTL", "5m", "UpstreamDnsTtl", "300000ms")]
    [InlineData("TERMINATOR_UPSTREAM_MAX_CONNECTIONS", "1", "UpstreamMaxConnections", "1")]
    [InlineData("TERMINATOR_UPSTREAM_MAX_CONNECTIONS", "100000", "UpstreamMaxConnections", "100000")]
    [InlineData("TERMINATOR_UPSTREAM_TIMEOUT", "500ms", "UpstreamTimeout", "500ms")]
    [InlineData("TERMINATOR_UPSTREAM_CONNECT_TIMEOUT", "2s", "UpstreamConnectTimeout", "2000ms")]
    [InlineData("TERMINATOR_UPSTREAM_IDLE_TIMEOUT", "1h", "UpstreamIdleTimeout", "3600000ms")]
    [InlineData("TERMINATOR_FORWARDED_HEADERS", "append", "ForwardedHeaders", "Append")]
    [InlineData("TERMINATOR_FORWARDED_HEADERS", "REPLACE", "ForwardedHeaders", "Replace")]
    [InlineData("TERMINATOR_FORWARDED_HEADERS", "", "ForwardedHeaders", "Replace")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "3S", "HandshakeTimeout", "3000ms")]
    [InlineData("TERMINATOR_HEADER_TIMEOUT", " 7s ", "HeaderTimeout", "7000ms")]
    [InlineData("TERMINATOR_IDLE_TIMEOUT", "2m", "IdleTimeout", "120000ms")]
    [InlineData("TERMINATOR_MIN_BODY_RATE", "0", "MinRequestBodyBytesPerSecond", "0")]
    [InlineData("TERMINATOR_MIN_BODY_RATE", "1000", "MinRequestBodyBytesPerSecond", "1000")]
    [InlineData("TERMINATOR_MIN_BODY_RATE", "", "MinRequestBodyBytesPerSecond", "240")]
    [InlineData("TERMINATOR_MAX_HEADER_BYTES", "1024", "MaxHeaderBytes", "1024")]
    [InlineData("TERMINATOR_MAX_HEADER_BYTES", "4096", "MaxRequestTargetLength", "4096")]
    [InlineData("TERMINATOR_MAX_HEADER_BYTES", "1048576", "MaxHeaderBytes", "1048576")]
    [InlineData("TERMINATOR_MAX_HEADER_COUNT", "1000", "MaxHeaderCount", "1000")]
    [InlineData("TERMINATOR_MAX_REQUEST_TARGET", "2048", "MaxRequestTargetLength", "2048")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS", "50", "MaxConnections", "50")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS_PER_IP", "8", "MaxConnectionsPerIp", "8")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX", "48", "MaxConnectionsPerIpIpv6Prefix", "48")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX", "128", "MaxConnectionsPerIpIpv6Prefix", "128")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX", "", "MaxConnectionsPerIpIpv6Prefix", "64")]
    [InlineData("TERMINATOR_DRAIN_TIMEOUT", "1s", "DrainTimeout", "1000ms")]
    [InlineData("TERMINATOR_LISTEN_BACKLOG", "128", "ListenBacklog", "128")]
    [InlineData("TERMINATOR_LOG_LEVEL", "DEBUG", "LogLevel", "debug")]
    [InlineData("TERMINATOR_LOG_LEVEL", "warn", "LogLevel", "warn")]
    [InlineData("TERMINATOR_LOG_LEVEL", "", "LogLevel", "info")]
    public void TryLoad_ValidValue_SetsProperty(string name, string value, string property, string expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env((name, value)), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(expected, Show(typeof(TerminatorOptions).GetProperty(property)!.GetValue(options)));
    }

    [Theory]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "10x", "'10x' is not a duration (a whole number with a unit: 500ms, 30s, 5m, 1h, 14d)")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "0", "'0' has no unit")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "0ms", "must be greater than zero")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "-5s", "is not a duration")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "1.5s", "is not a duration")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "s", "is not a duration")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "6m", "'6m' is too long (maximum 5m)")]
    [InlineData("TERMINATOR_IDLE_TIMEOUT", "99999999999h", "is too long (maximum 1h)")]
    [InlineData("TERMINATOR_UPSTREAM_DNS_TTL", "25h", "is too long (maximum 1d)")]
    [InlineData("TERMINATOR_MAX_HEADER_BYTES", "1023", "1023 is out of range (expected 1024..1048576)")]
    [InlineData("TERMINATOR_MAX_HEADER_BYTES", "32k", "'32k' is not a whole number")]
    [InlineData("TERMINATOR_MAX_HEADER_COUNT", "0", "out of range (expected 1..1000)")]
    [InlineData("TERMINATOR_MIN_BODY_RATE", "-1", "is not a whole number")]
    [InlineData("TERMINATOR_MIN_BODY_RATE", "240B", "is not a whole number")]
    [InlineData("TERMINATOR_MAX_HEADER_COUNT", "1001", "out of range")]
    [InlineData("TERMINATOR_UPSTREAM_MAX_CONNECTIONS", "100001", "out of range (expected 1..100000)")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS", "-1", "is not a whole number")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS", "99999999999", "is not a whole number")]
    [InlineData("TERMINATOR_LISTEN_BACKLOG", "0", "out of range")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX", "31", "31 is out of range (expected 32..128)")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX", "129", "129 is out of range (expected 32..128)")]
    [InlineData("TERMINATOR_MAX_CONNECTIONS_PER_IP_IPV6_PREFIX", "/64", "'/64' is not a whole number")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "off", "at least one HTTPS listener is required")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "0.0.0.0", "has no port")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "0.0.0.0:65536", "out of range (expected 0..65535)")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "0.0.0.0:https", "has no valid port")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "localhost:443", "'localhost' in 'localhost:443' is not an IP address")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "10.1:443", "is not an IP address")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "::1:443", "IPv6 addresses must be in brackets")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "[::1]443", "is not a valid endpoint")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "[1.2.3.4]:443", "is not an IPv6 address")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "1.2.3.4:443,,1.2.3.5:443", "empty entry")]
    [InlineData("TERMINATOR_HTTPS_LISTEN", "1.2.3.4:443,1.2.3.4:443", "'1.2.3.4:443' is listed twice")]
    [InlineData("TERMINATOR_HTTP_LISTEN", "0.0.0.0:443", "0.0.0.0:443 conflicts with 0.0.0.0:443 in TERMINATOR_HTTPS_LISTEN")]
    [InlineData("TERMINATOR_HTTP_LISTEN", "127.0.0.1:443", "127.0.0.1:443 conflicts with 0.0.0.0:443 in TERMINATOR_HTTPS_LISTEN")]
    [InlineData("TERMINATOR_UNKNOWN_SNI", "allow", "'allow' is not a policy (expected reject or default)")]
    [InlineData("TERMINATOR_UNKNOWN_SNI", "default", "TERMINATOR_DEFAULT_CERT: required when TERMINATOR_UNKNOWN_SNI=default")]
    [InlineData("TERMINATOR_DEFAULT_CERT", "/nonexistent/default.pem", "file '/nonexistent/default.pem' does not exist")]
    [InlineData("TERMINATOR_CERT_DIR", "/nonexistent/certs", "directory '/nonexistent/certs' does not exist")]
    [InlineData("TERMINATOR_UPSTREAM", "https://origin:443", "only http:// upstreams are supported")]
    [InlineData("TERMINATOR_UPSTREAM", "origin:8080", "is not an absolute URL")]
    [InlineData("TERMINATOR_UPSTREAM", "127.0.0.1:8080", "is not an absolute URL")]
    [InlineData("TERMINATOR_UPSTREAM", "http://origin:8080/api", "must not have a path, query or fragment")]
    [InlineData("TERMINATOR_UPSTREAM", "http://origin:8080/?x=1", "must not have a path, query or fragment")]
    [InlineData("TERMINATOR_UPSTREAM", "http://user:pw@origin:8080", "must not contain user information")]
    [InlineData("TERMINATOR_UPSTREAM", "http://origin:0", "invalid port")]
    [InlineData("TERMINATOR_UPSTREAM", "http://origin:99999", "is not an absolute URL")]
    [InlineData("TERMINATOR_OCSP_STAPLING", "yes", "'yes' is not a setting (expected on or off)")]
    [InlineData("TERMINATOR_FORWARDED_HEADERS", "set", "'set' is not a policy (expected replace or append)")]
    [InlineData("TERMINATOR_FORWARDED_HEADERS", "trust", "'trust' is not a policy (expected replace or append)")]
    [InlineData("TERMINATOR_LOG_LEVEL", "verbose", "'verbose' is not a log level (expected debug, info, warn or error)")]
    [InlineData("TERMINATOR_MAX_REQUEST_TARGET", "65536", "65536 exceeds TERMINATOR_MAX_HEADER_BYTES (32768)")]
    public void TryLoad_InvalidValue_OneLineNamingTheVariable(string name, string value, string expectedFragment)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env((name, value)), out TerminatorOptions? options, out string? error));
        Assert.Null(options);
        Assert.Contains(expectedFragment, error, StringComparison.Ordinal);
        Assert.StartsWith("TERMINATOR_", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
        if (!expectedFragment.StartsWith("TERMINATOR_", StringComparison.Ordinal) && !expectedFragment.Contains("conflicts", StringComparison.Ordinal)
            && !expectedFragment.Contains("exceeds", StringComparison.Ordinal))
        {
            Assert.StartsWith(name + ": ", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("TERMINATOR_UPSTREAM_CONNECT_TIMEOUT", "2")]
    [InlineData("TERMINATOR_HANDSHAKE_TIMEOUT", "30")]
    [InlineData("TERMINATOR_DRAIN_TIMEOUT", "0")]
    public void TryLoad_DurationWithoutUnit_ErrorNamesTheVariableAndTheUnits(string name, string value)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env((name, value)), out _, out string? error));
        Assert.Equal($"{name}: '{value}' has no unit (a whole number with a unit: 500ms, 30s, 5m, 1h, 14d)", error);
    }

    [Theory]
    [InlineData("TERMINATOR_UPSTREAM_DNS_TTL", "1d", "UpstreamDnsTtl", "86400000ms")]
    [InlineData("TERMINATOR_DRAIN_TIMEOUT", "90S", "DrainTimeout", "90000ms")]
    public void TryLoad_DurationUnits_SameAsTheCertsCommand(string name, string value, string property, string expected)
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env((name, value)), out TerminatorOptions? options, out string? error), error);
        Assert.Equal(expected, Show(typeof(TerminatorOptions).GetProperty(property)!.GetValue(options)));
    }

    [Fact]
    public void TryLoad_CertDirIsAFile_SaysSoInsteadOfDoesNotExist()
    {
        string file = Path.Combine(_dir.FullName, "certs.pem");
        File.WriteAllText(file, "not a directory");

        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_CERT_DIR", file)), out _, out string? error));
        Assert.Equal($"TERMINATOR_CERT_DIR: '{file}' is a file, expected a directory", error);
    }

    [Fact]
    public void TryLoad_SameListWildcardConflict_Error()
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_HTTPS_LISTEN", "0.0.0.0:8443,127.0.0.1:8443")), out _, out string? error));
        Assert.Equal("TERMINATOR_HTTPS_LISTEN: 127.0.0.1:8443 conflicts with 0.0.0.0:8443 earlier in the same list", error);
    }

    [Fact]
    public void TryLoad_SamePortDifferentFamilyOrEphemeral_NoConflict()
    {
        var env = Env(("TERMINATOR_HTTPS_LISTEN", "0.0.0.0:8443,[::]:8443,127.0.0.1:0"), ("TERMINATOR_HTTP_LISTEN", "127.0.0.1:0"));
        Assert.True(TerminatorEnvironment.TryLoad(env, out TerminatorOptions? options, out string? error), error);
        Assert.Equal(3, options.HttpsListen.Count);
    }

    [Theory]
    [InlineData("TERMINATOR_HANDSHAKE_TIMOUT", "TERMINATOR_HANDSHAKE_TIMOUT: unknown variable", "did you mean TERMINATOR_HANDSHAKE_TIMEOUT?)")]
    [InlineData("TERMINATOR_CERTS_DIR", "TERMINATOR_CERTS_DIR: unknown variable", "did you mean TERMINATOR_CERT_DIR?")]
    [InlineData("terminator_log_level", "terminator_log_level: unknown variable", "did you mean TERMINATOR_LOG_LEVEL? names are case-sensitive")]
    [InlineData("TERMINATOR_FROBNICATE_EVERYTHING", "TERMINATOR_FROBNICATE_EVERYTHING: unknown variable", "run 'terminator --help' for the list")]
    public void TryLoad_UnknownVariable_ErrorWithSuggestion(string name, string prefix, string suggestion)
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env((name, "1")), out _, out string? error));
        Assert.StartsWith(prefix, error, StringComparison.Ordinal);
        Assert.EndsWith(suggestion + (suggestion.EndsWith(')') ? "" : ")"), error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_NonTerminatorNames_Ignored()
    {
        Assert.True(TerminatorEnvironment.TryLoad(Env(("PATH", "/bin"), ("HOME", null), ("TERMINATORX", "1")), out _, out string? error), error);
    }

    [Fact]
    public void TryLoad_UnknownSniDefaultWithCombinedPem_Succeeds()
    {
        string pem = Path.Combine(_dir.FullName, "default.pem");
        File.WriteAllText(pem, "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n");
        var env = Env(("TERMINATOR_UNKNOWN_SNI", "Default"), ("TERMINATOR_DEFAULT_CERT", pem));
        Assert.True(TerminatorEnvironment.TryLoad(env, out TerminatorOptions? options, out string? error), error);
        Assert.Equal(UnknownSniPolicy.Default, options.UnknownSni);
        Assert.Equal(pem, options.DefaultCertificatePath);
    }

    [Fact]
    public void TryLoad_DefaultCertWithSiblingKey_Succeeds()
    {
        string crt = Path.Combine(_dir.FullName, "fallback.crt");
        File.WriteAllText(crt, "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
        File.WriteAllText(Path.Combine(_dir.FullName, "fallback.key"), "-----BEGIN EC PRIVATE KEY-----\ny\n-----END EC PRIVATE KEY-----\n");
        var env = Env(("TERMINATOR_UNKNOWN_SNI", "default"), ("TERMINATOR_DEFAULT_CERT", crt));
        Assert.True(TerminatorEnvironment.TryLoad(env, out _, out string? error), error);
    }

    [Fact]
    public void TryLoad_DefaultCertWithoutKey_Error()
    {
        string crt = Path.Combine(_dir.FullName, "lonely.pem");
        File.WriteAllText(crt, "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n");
        var env = Env(("TERMINATOR_UNKNOWN_SNI", "default"), ("TERMINATOR_DEFAULT_CERT", crt));
        Assert.False(TerminatorEnvironment.TryLoad(env, out _, out string? error));
        Assert.Equal($"TERMINATOR_DEFAULT_CERT: '{crt}' contains no private key and has no sibling '{Path.Combine(_dir.FullName, "lonely.key")}'", error);
    }

    [Fact]
    public void TryLoad_DefaultCertIsDirectory_Error()
    {
        Assert.False(TerminatorEnvironment.TryLoad(Env(("TERMINATOR_DEFAULT_CERT", _dir.FullName)), out _, out string? error));
        Assert.Equal($"TERMINATOR_DEFAULT_CERT: '{_dir.FullName}' is a directory, expected a PEM file", error);
    }
}
