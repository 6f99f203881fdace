using Terminator.Interop;
using Terminator.Tls;

namespace Terminator.Tests.Interop;

public sealed class OpenSslCipherPolicyTests
{
    [Fact]
    public void Config_IsBuiltFromTlsPolicy_Tls12ListOnly_MinimumTls12()
    {
        string[] lines = OpenSslCipherPolicy.Config.Split('\n', StringSplitOptions.TrimEntries);

        Assert.Contains($"CipherString = {TlsPolicy.OpenSslCipherList}:@SECLEVEL=2", lines);
        Assert.Contains("MinProtocol = TLSv1.2", lines);
        Assert.Contains("system_default = terminator_tls", lines);
        // No Ciphersuites line: TLS 1.3 keeps OpenSSL's defaults, all of which the policy allows.
        Assert.DoesNotContain(lines, line => line.StartsWith("Ciphersuites", StringComparison.Ordinal));
        Assert.All(TlsPolicy.OpenSslCipherList.Split(':'), name => Assert.Matches("^ECDHE-(ECDSA|RSA)-", name));
    }

    [Fact]
    public void Apply_AfterTheModuleInitializer_IsANoOp()
    {
        Assert.True(OpenSslCipherPolicy.IsApplied);

        OpenSslCipherPolicy.Apply();
        Parallel.For(0, 8, _ => OpenSslCipherPolicy.Apply());

        Assert.True(OpenSslCipherPolicy.IsApplied);
    }
}
