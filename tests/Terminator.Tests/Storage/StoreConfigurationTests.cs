using Terminator.Configuration;
using Terminator.Storage;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

/// <summary>TERMINATOR_STORE_* validation: one clear line naming the variable, never the key.</summary>
public sealed class StoreConfigurationTests : IDisposable
{
    private const string MissingDirectory = "/nonexistent/terminator-certs";
    private readonly TempDirectory _dir = new("storecfg");
    private readonly string _key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public void Dispose() => _dir.Dispose();

    private static bool TryLoad(out TerminatorOptions? options, out string? error, params (string Name, string Value)[] values) =>
        TerminatorEnvironment.TryLoad(values.ToDictionary(v => v.Name, v => (string?)v.Value), out options, out error);

    [Fact]
    public void StoreKey_Valid_CertDirUnsetAndMissing_StoreOnly()
    {
        Assert.True(TryLoad(out TerminatorOptions? options, out string? error, ("TERMINATOR_STORE_KEY", _key), ("TERMINATOR_STORE_DIR", _dir.FullName)), error);

        Assert.NotNull(options!.StoreKey);
        Assert.Equal(_dir.FullName, options.StoreDirectory);
        if (!Directory.Exists("/etc/terminator/certs"))
        {
            Assert.Null(options.CertDirectory);
        }

        Assert.DoesNotContain(_key, options.ToString(), StringComparison.Ordinal);
        Assert.Contains("redacted", options.StoreKey.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void StoreKey_CertDirExplicitlyMissing_StillAnError()
    {
        Assert.False(TryLoad(out _, out string? error, ("TERMINATOR_STORE_KEY", _key), ("TERMINATOR_CERT_DIR", MissingDirectory)));
        Assert.Equal($"TERMINATOR_CERT_DIR: directory '{MissingDirectory}' does not exist", error);
    }

    [Theory]
    [InlineData("not base64!!", "not valid base64")]
    [InlineData("AAAA", "decodes to 3 bytes, expected exactly 32")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "decodes to 63 bytes, expected exactly 32")]
    public void StoreKey_Bad_OneLineNamingVariableWithoutTheValue(string value, string fragment)
    {
        Assert.False(TryLoad(out _, out string? error, ("TERMINATOR_STORE_KEY", value), ("TERMINATOR_CERT_DIR", _dir.FullName)));

        Assert.StartsWith("TERMINATOR_STORE_KEY: ", error, StringComparison.Ordinal);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error!);
    }

    [Fact]
    public void StoreKeyAndKeyFile_Both_Error()
    {
        string file = Path.Combine(_dir.FullName, "key");
        File.WriteAllText(file, _key);

        Assert.False(TryLoad(out _, out string? error, ("TERMINATOR_STORE_KEY", _key), ("TERMINATOR_STORE_KEY_FILE", file)));
        Assert.Equal("TERMINATOR_STORE_KEY_FILE: set together with TERMINATOR_STORE_KEY; set only one", error);
    }

    [Fact]
    public void StoreKeyFile_Valid_LoadsKeyAndFlagsLoosePermissions()
    {
        string file = Path.Combine(_dir.FullName, "key");
        File.WriteAllText(file, _key + "\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        Assert.True(TryLoad(out TerminatorOptions? options, out string? error, ("TERMINATOR_STORE_KEY_FILE", file), ("TERMINATOR_STORE_DIR", _dir.FullName)), error);
        Assert.Equal("TERMINATOR_STORE_KEY_FILE", options!.StoreKey!.Origin);
        Assert.Equal(file, options.StoreKeyFile);
        Assert.Contains("mode 640", StoreKey.DescribeKeyFilePermissionProblem(file), StringComparison.Ordinal);

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Null(StoreKey.DescribeKeyFilePermissionProblem(file));
    }

    [Fact]
    public void StoreKeyFile_BadContent_NamesFileNotContent()
    {
        string file = Path.Combine(_dir.FullName, "key");
        File.WriteAllText(file, "c2hvcnQ=");

        Assert.False(TryLoad(out _, out string? error, ("TERMINATOR_STORE_KEY_FILE", file), ("TERMINATOR_CERT_DIR", _dir.FullName)));
        Assert.Equal($"TERMINATOR_STORE_KEY_FILE: '{file}' decodes to 5 bytes, expected exactly 32 (e.g. 'openssl rand -base64 32')", error);
    }

    [Fact]
    public void StoreKeyFile_Missing_Error()
    {
        Assert.False(TryLoad(out _, out string? error, ("TERMINATOR_STORE_KEY_FILE", "/nonexistent/key"), ("TERMINATOR_CERT_DIR", _dir.FullName)));
        Assert.StartsWith("TERMINATOR_STORE_KEY_FILE: cannot read '/nonexistent/key'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void StoreDir_SetWithoutKey_Error()
    {
        Assert.False(TryLoad(out _, out string? error, ("TERMINATOR_STORE_DIR", _dir.FullName), ("TERMINATOR_CERT_DIR", _dir.FullName)));
        Assert.StartsWith("TERMINATOR_STORE_KEY: required when TERMINATOR_STORE_DIR is set", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NoStoreKey_CertDirDefaultMissing_OldErrorUnchanged()
    {
        if (Directory.Exists("/etc/terminator/certs"))
        {
            return;
        }

        Assert.False(TryLoad(out _, out string? error));
        Assert.Equal("TERMINATOR_CERT_DIR: directory '/etc/terminator/certs' does not exist", error);
    }
}
