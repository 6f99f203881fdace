using System.Security.Cryptography;
using Terminator.Certificates;

namespace Terminator.Tests.Certificates;

/// <summary>Private keys are imported into the OpenSSL types, whose handle the runtime's CopyWithPrivateKey duplicates,
/// rather than into what ECDsa.Create()/RSA.Create() return, which it exports and imports a second time.</summary>
public sealed class OpenSslKeysTests
{
    [Fact]
    public void KeysAreTheOpenSslTypes_NotTheWrappersCreateReturns()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // OpenSSL backs the keys on Linux only
        }

        using ECDsa runtimeDefault = ECDsa.Create();
        using RSA runtimeDefaultRsa = RSA.Create();
        using ECDsa ecdsa = OpenSslKeys.CreateEcdsa();
        using RSA rsa = OpenSslKeys.CreateRsa();

        // The premise: the runtime's factories hand out wrappers, which CopyWithPrivateKey cannot take the handle from.
        Assert.IsNotType<ECDsaOpenSsl>(runtimeDefault);
        Assert.IsNotType<RSAOpenSsl>(runtimeDefaultRsa);
        Assert.IsType<ECDsaOpenSsl>(ecdsa);
        Assert.IsType<RSAOpenSsl>(rsa);
    }
}
