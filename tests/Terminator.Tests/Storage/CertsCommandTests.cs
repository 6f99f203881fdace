using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Terminator.Certificates;
using Terminator.Samples.Certificates;
using Terminator.Tests.TestHelpers;

namespace Terminator.Tests.Storage;

/// <summary><c>terminator certs</c> as an operator runs it: the real executable, real files, exit codes.</summary>
public sealed class CertsCommandTests : IDisposable
{
    private readonly TempDirectory _root = new("certs-cli");
    private readonly LocalCertificateAuthority _authority = LocalCertificateAuthority.Create("CLI Test CA");
    private readonly string _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly List<string> _privateKeyPems = [];
    private readonly List<string> _outputs = [];

    public void Dispose()
    {
        _authority.Dispose();
        _root.Dispose();
    }

    private string StoreDir => Path.Combine(_root.FullName, "store");

    private Dictionary<string, string> Env(string? key = null) => new()
    {
        ["TERMINATOR_STORE_KEY"] = key ?? _key,
        ["TERMINATOR_STORE_DIR"] = StoreDir,
    };

    private async Task<(int ExitCode, string Stdout, string Stderr)> Certs(params string[] args) => await CertsWith(Env(), args);

    private async Task<(int ExitCode, string Stdout, string Stderr)> CertsWith(Dictionary<string, string> env, params string[] args)
    {
        var result = await StoreCli.RunAsync(env, args);
        _outputs.Add(result.Stdout + result.Stderr);
        return result;
    }

    private IssuedCertificate Issue(string name, TimeSpan? validity = null)
    {
        IssuedCertificate issued = _authority.Issue([name], CertificateKeyType.EcdsaP256, validity);
        _privateKeyPems.Add(issued.PrivateKeyPem);
        return issued;
    }

    [Fact]
    public async Task ImportListShowRemove_EndToEnd_WithScriptableExitCodes()
    {
        string input = Directory.CreateDirectory(Path.Combine(_root.FullName, "input")).FullName;
        Issue("click.one.test").WriteFlat(input, "one");
        Issue("email.two.test", TimeSpan.FromDays(10)).WriteCertbot(Path.Combine(input, "live"), "two");
        Issue("*.three.test").WriteCombined(Path.Combine(input, "three.pem"));
        await File.WriteAllTextAsync(Path.Combine(input, "broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        string single = Path.Combine(_root.FullName, "four.pem");
        Issue("four.test", TimeSpan.FromDays(200)).WriteCombined(single);

        // A folder with a broken file: everything good is imported, the broken file is named, exit 1.
        var import = await Certs("import", input);
        Assert.Equal(1, import.ExitCode);
        Assert.Equal(3, Regex.Count(import.Stdout, "^imported ", RegexOptions.Multiline));
        Assert.Matches(@"(?m)^skipped .*broken\.pem: \S", import.Stdout);
        Assert.True(File.GetUnixFileMode(StoreDir) == (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));

        var importOne = await Certs("import", single);
        Assert.Equal(0, importOne.ExitCode);
        Assert.Matches(@"(?m)^imported four\.test\.ecdsa\.[0-9a-f]{8} \[four\.test\] ECDSA P-256, not after ", importOne.Stdout);

        var missing = await Certs("import", Path.Combine(_root.FullName, "nope.pem"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no such file or directory", missing.Stdout, StringComparison.Ordinal);

        // list: header, one row per entry, sorted by not-after (10 days, 90, 90, 200).
        var list = await Certs("list");
        Assert.Equal(0, list.ExitCode);
        string[] rows = list.Stdout.TrimEnd().Split('\n');
        Assert.Matches(@"^NAMES\s+KEY\s+NOT AFTER \(UTC\)\s+DAYS LEFT$", rows[0]);
        Assert.Equal(5, rows.Length);
        Assert.StartsWith("email.two.test ", rows[1], StringComparison.Ordinal);
        Assert.Matches(@"ECDSA P-256\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+9$", rows[1]);
        Assert.StartsWith("four.test ", rows[4], StringComparison.Ordinal);

        var expiring = await Certs("list", "--expiring-within", "14d");
        Assert.Equal(0, expiring.ExitCode);
        Assert.Equal(2, expiring.Stdout.TrimEnd().Split('\n').Length);
        Assert.Contains("email.two.test", expiring.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await Certs("list", "--expiring-within=1d")).ExitCode);

        // show: public facts only, matching the certificate itself.
        var show = await Certs("show", "X.three.test".Replace("X", "*", StringComparison.Ordinal));
        Assert.Equal(0, show.ExitCode);
        using X509Certificate2 three = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(input, "three.pem")));
        Assert.Contains($"sha256:      {three.GetCertHashString(HashAlgorithmName.SHA256)}", show.Stdout, StringComparison.Ordinal);
        Assert.Contains($"serial:      {three.SerialNumber}", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("issuer:      CN=CLI Test CA", show.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"id:\s+_\.three\.test\.ecdsa\.[0-9a-f]{8}", show.Stdout);
        Assert.Equal(1, (await Certs("show", "unknown.test")).ExitCode);

        // remove: by name, then it is gone (exit 1 the second time).
        var remove = await Certs("remove", "click.one.test");
        Assert.Equal(0, remove.ExitCode);
        Assert.Matches(@"(?m)^removed click\.one\.test\.ecdsa\.[0-9a-f]{8} \[click\.one\.test\]", remove.Stdout);
        Assert.Equal(1, (await Certs("remove", "click.one.test")).ExitCode);
        Assert.Equal(1, (await Certs("show", "click.one.test")).ExitCode);
        Assert.Equal(4, (await Certs("list")).Stdout.TrimEnd().Split('\n').Length);

        AssertNoKeyMaterial();
    }

    [Fact]
    public async Task UsageAndConfigurationErrors_Exit2WithOneClearLine()
    {
        Issue("k.test").WriteCombined(Path.Combine(_root.FullName, "k.pem"));
        Assert.Equal(0, (await Certs("import", Path.Combine(_root.FullName, "k.pem"))).ExitCode);

        Assert.Equal(2, (await Certs()).ExitCode);
        Assert.Equal(2, (await Certs("bogus")).ExitCode);
        Assert.Equal(2, (await Certs("list", "--soon")).ExitCode);
        Assert.Equal(2, (await Certs("list", "--expiring-within", "fortnight")).ExitCode);
        Assert.Equal(2, (await Certs("show")).ExitCode);
        Assert.Equal(2, (await Certs("import")).ExitCode);

        var help = await Certs("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("1  not found / nothing matched", help.Stdout, StringComparison.Ordinal);

        var noKey = await CertsWith(new Dictionary<string, string> { ["TERMINATOR_CERT_DIR"] = _root.FullName }, "list");
        Assert.Equal(2, noKey.ExitCode);
        Assert.StartsWith("terminator certs: TERMINATOR_STORE_KEY: not set", noKey.Stderr, StringComparison.Ordinal);

        var badKey = await CertsWith(Env("c2hvcnQ="), "list");
        Assert.Equal(2, badKey.ExitCode);
        Assert.Equal("terminator certs: TERMINATOR_STORE_KEY: decodes to 5 bytes, expected exactly 32 (e.g. 'openssl rand -base64 32')", badKey.Stderr.Trim());

        string otherKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var wrongKey = await CertsWith(Env(otherKey), "import", Path.Combine(_root.FullName, "k.pem"));
        Assert.Equal(2, wrongKey.ExitCode);
        Assert.Contains($"TERMINATOR_STORE_KEY does not decrypt the store at {StoreDir}", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(StoreDir, "*" + Terminator.Storage.DirectoryCertificateStore.FileExtension)); // nothing written under the wrong key

        AssertNoKeyMaterial(otherKey);
    }

    [Theory]
    [InlineData("import", "<paths>")]
    [InlineData("list", "--expiring-within")]
    [InlineData("show", "<name-or-id>")]
    [InlineData("remove", "<name-or-id>")]
    public async Task Subcommand_Help_DescribesItsArgumentsAndExitCodes(string command, string documented)
    {
        var help = await CertsWith(new Dictionary<string, string>(), command, "--help");

        Assert.True(help.ExitCode == 0, help.Stdout + help.Stderr);
        Assert.Contains($"terminator certs {command}", help.Stdout, StringComparison.Ordinal);
        Assert.Contains(documented, help.Stdout, StringComparison.Ordinal);
        Assert.Contains("2  usage or configuration error", help.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, help.Stderr);
    }

    [Theory]
    [InlineData("list --expiring-within")]
    [InlineData("list extra")]
    [InlineData("show a.test b.test")]
    [InlineData("remove")]
    [InlineData("lsit")]
    public async Task UsageError_Exit2_OneLineOnStderrPointingAtHelp(string commandLine)
    {
        var result = await Certs(commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("terminator certs", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Theory]
    [InlineData("14", "has no unit (a whole number with a unit: 500ms, 30s, 5m, 1h, 14d)")]
    [InlineData("2w", "is not a duration (a whole number with a unit: 500ms, 30s, 5m, 1h, 14d)")]
    [InlineData("-1d", "is not a duration (a whole number with a unit: 500ms, 30s, 5m, 1h, 14d)")]
    [InlineData("0d", "must be greater than zero")]
    public async Task List_ExpiringWithin_NeedsAPositiveNumberWithAUnit(string value, string why)
    {
        var result = await Certs("list", "--expiring-within", value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--expiring-within: '{value}' {why}", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task List_ExpiringWithin_AcceptsEveryUnit()
    {
        await ImportAsync("units.test"); // valid for 90 days

        foreach ((string value, int expectedExit) in new[] { ("1000d", 0), ("2400h", 0), ("200000m", 0), ("1d", 1), ("3600s", 1), ("500ms", 1) })
        {
            Assert.True(expectedExit == (await Certs("list", $"--expiring-within={value}")).ExitCode, value);
        }
    }

    /// <summary>Imports one combined PEM per name; returns each entry's id (from the "imported" lines).</summary>
    private async Task<Dictionary<string, string>> ImportAsync(params string[] names)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            string pem = Path.Combine(_root.FullName, name.Replace('*', '_') + ".pem");
            Issue(name).WriteCombined(pem);
            var import = await Certs("import", pem);
            Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);
            ids[name] = Regex.Match(import.Stdout, @"^imported (\S+) ", RegexOptions.Multiline).Groups[1].Value;
        }

        return ids;
    }

    private string EntryPath(string id) => Path.Combine(StoreDir, id + ".tcert");

    /// <summary>Flips the last ciphertext byte: only AES-GCM can notice.</summary>
    private void Tamper(string id)
    {
        byte[] file = File.ReadAllBytes(EntryPath(id));
        file[^1] ^= 0x01;
        File.WriteAllBytes(EntryPath(id), file);
    }

    [Fact]
    public async Task Certs_DaemonOnlyVariablesBroken_ValidatesOnlyTheStoreVariables()
    {
        // The operator's environment file is shared with the daemon, whose certificate folder and listeners may not
        // exist or parse on the machine where certs runs: only TERMINATOR_STORE_* matter to the store commands.
        Dictionary<string, string> env = Env();
        env["TERMINATOR_CERT_DIR"] = Path.Combine(_root.FullName, "no-such-cert-dir");
        env["TERMINATOR_HTTPS_LISTEN"] = "not-an-endpoint";
        env["TERMINATOR_HANDSHAKE_TIMEOUT"] = "10x";
        Issue("vars.test").WriteCombined(Path.Combine(_root.FullName, "vars.pem"));

        var import = await CertsWith(env, "import", Path.Combine(_root.FullName, "vars.pem"));
        Assert.True(import.ExitCode == 0, import.Stdout + import.Stderr);
        var list = await CertsWith(env, "list");
        Assert.True(list.ExitCode == 0, list.Stdout + list.Stderr);
        Assert.Contains("vars.test", list.Stdout, StringComparison.Ordinal);

        // No key at all: the complaint is about the key, not about the (missing) default certificate folder.
        var noKey = await CertsWith(new Dictionary<string, string> { ["TERMINATOR_CERT_DIR"] = Path.Combine(_root.FullName, "no-such-cert-dir") }, "list");
        Assert.Equal(2, noKey.ExitCode);
        Assert.StartsWith("terminator certs: TERMINATOR_STORE_KEY: not set", noKey.Stderr, StringComparison.Ordinal);
        var nothingSet = await CertsWith(new Dictionary<string, string>(), "list");
        Assert.Equal(2, nothingSet.ExitCode);
        Assert.StartsWith("terminator certs: TERMINATOR_STORE_KEY: not set", nothingSet.Stderr, StringComparison.Ordinal);

        // The store variables themselves are still validated, naming the variable.
        Dictionary<string, string> badDir = Env();
        string file = Path.Combine(_root.FullName, "a-file");
        await File.WriteAllTextAsync(file, "x");
        badDir["TERMINATOR_STORE_DIR"] = file;
        var storeDirIsFile = await CertsWith(badDir, "list");
        Assert.Equal(2, storeDirIsFile.ExitCode);
        Assert.StartsWith($"terminator certs: TERMINATOR_STORE_DIR: '{file}' is a file, expected a directory", storeDirIsFile.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_UnreadableEntry_ByIdDeletesIt_ByNameSaysHowToRemoveIt()
    {
        Dictionary<string, string> ids = await ImportAsync("good.test", "tampered.test");
        Tamper(ids["tampered.test"]);

        // A second writer under another key (a foreign entry): just as unreadable.
        using (var otherKey = Terminator.Configuration.StoreKey.Generate())
        {
            var foreign = new Terminator.Storage.DirectoryCertificateStore(StoreDir, otherKey);
            IssuedCertificate issued = Issue("foreign.test");
            await foreign.PutAsync(CertificateLoader.LoadPem(issued.ChainPem, issued.PrivateKeyPem, "test"));
        }

        string foreignId = Path.GetFileNameWithoutExtension(Directory.GetFiles(StoreDir, "foreign.test.*").Single());

        // By name: the names of an unreadable entry are unknown, so say so and point at the ids.
        var byName = await Certs("remove", "tampered.test");
        Assert.Equal(3, byName.ExitCode);
        Assert.Contains("cannot be read", byName.Stderr, StringComparison.Ordinal);
        Assert.Contains($"terminator certs remove {ids["tampered.test"]}", byName.Stderr, StringComparison.Ordinal);
        Assert.Contains($"terminator certs remove {foreignId}", byName.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(EntryPath(ids["tampered.test"])));

        // By id: the file goes, and the output says its names could not be read.
        var byId = await Certs("remove", ids["tampered.test"]);
        Assert.True(byId.ExitCode == 0, byId.Stdout + byId.Stderr);
        Assert.Matches($@"(?m)^removed {Regex.Escape(ids["tampered.test"])} \(unreadable: authentication failed.*; its names are unknown\)", byId.Stdout);
        Assert.False(File.Exists(EntryPath(ids["tampered.test"])));

        var foreignById = await Certs("remove", foreignId);
        Assert.True(foreignById.ExitCode == 0, foreignById.Stdout + foreignById.Stderr);
        Assert.False(File.Exists(EntryPath(foreignId)));

        // Nothing unreadable is left: the store is clean again and the good entry untouched.
        var list = await Certs("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("good.test", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(string.Empty, list.Stderr);

        // A store whose only entry was tampered with looks like a wrong key to list, yet the entry can still go by id
        // (deleting writes nothing under the key).
        Tamper(ids["good.test"]);
        var onlyTampered = await Certs("list");
        Assert.Equal(2, onlyTampered.ExitCode);
        Assert.Contains("does not decrypt the store", onlyTampered.Stderr, StringComparison.Ordinal);
        Assert.Contains($"terminator certs remove {ids["good.test"]}", onlyTampered.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await Certs("remove", ids["good.test"])).ExitCode);
        Assert.Empty(Directory.GetFiles(StoreDir, "*" + Terminator.Storage.DirectoryCertificateStore.FileExtension));
        AssertNoKeyMaterial();
    }

    [Fact]
    public async Task List_SkippedEntries_EachReportedOnStderrWithPathAndReason_ExitCode3()
    {
        Dictionary<string, string> ids = await ImportAsync("fine.test", "tampered.test", "torn.test");
        Tamper(ids["tampered.test"]);
        byte[] torn = await File.ReadAllBytesAsync(EntryPath(ids["torn.test"]));
        await File.WriteAllBytesAsync(EntryPath(ids["torn.test"]), torn[..(torn.Length / 2)]);

        var list = await Certs("list");

        Assert.Equal(3, list.ExitCode);
        Assert.Contains("fine.test", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("tampered.test", list.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{EntryPath(ids["tampered.test"])}: authentication failed", list.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{EntryPath(ids["torn.test"])}: truncated", list.Stderr, StringComparison.Ordinal);

        var help = await Certs("list", "--help");
        Assert.Contains("3  ", help.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_NameServedByWildcard_FindsTheEntryTheServerWouldUse()
    {
        Dictionary<string, string> ids = await ImportAsync("*.two.test", "exact.two.test");

        var viaWildcard = await Certs("show", "a.two.test");
        Assert.True(viaWildcard.ExitCode == 0, viaWildcard.Stdout + viaWildcard.Stderr);
        Assert.Contains($"id:          {ids["*.two.test"]}", viaWildcard.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(ids["exact.two.test"], viaWildcard.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^serves:\s+a\.two\.test via \*\.two\.test", viaWildcard.Stdout);

        // The exact name wins over the wildcard, as in a handshake.
        var exact = await Certs("show", "EXACT.two.test.");
        Assert.Equal(0, exact.ExitCode);
        Assert.Contains($"id:          {ids["exact.two.test"]}", exact.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(ids["*.two.test"], exact.Stdout, StringComparison.Ordinal);

        // An id shows that entry; a wildcard covers exactly one label.
        var byId = await Certs("show", ids["*.two.test"]);
        Assert.Equal(0, byId.ExitCode);
        Assert.Contains("names:       *.two.test", byId.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, (await Certs("show", "a.b.two.test")).ExitCode);
        Assert.Equal(1, (await Certs("show", "two.test")).ExitCode);
    }

    private void AssertNoKeyMaterial(params string[] moreSecrets)
    {
        string all = string.Join('\n', _outputs);
        Assert.DoesNotContain("PRIVATE KEY", all, StringComparison.Ordinal);
        Assert.DoesNotContain(_key, all, StringComparison.Ordinal);
        foreach (string secret in moreSecrets)
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        }

        foreach (string pem in _privateKeyPems)
        {
            foreach (string line in pem.Split('\n').Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
            {
                Assert.DoesNotContain(line, all, StringComparison.Ordinal);
            }
        }

        foreach (string file in Directory.Exists(StoreDir) ? Directory.GetFiles(StoreDir) : [])
        {
            Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }
}
