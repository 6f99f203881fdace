using System.Security.Cryptography;

namespace Terminator.Certificates;

/// <summary>
/// Key objects for certificates' private keys: on Linux the OpenSSL-backed types themselves (<see cref="ECDsaOpenSsl"/>,
/// <see cref="RSAOpenSsl"/>), not what <see cref="ECDsa.Create()"/> and <see cref="RSA.Create()"/> return.
/// </summary>
/// <remarks>
/// Since .NET 8 <c>ECDsa.Create()</c> and <c>RSA.Create()</c> return a wrapper around the OpenSSL type. The runtime's
/// <c>CopyWithPrivateKey</c> (OpenSslX509CertificateReader) takes the key's OpenSSL handle only from the OpenSSL type;
/// from a wrapper it exports the private parameters and imports them into a new key, so OpenSSL builds and checks the
/// key a second time (an EC key: <c>CryptoNative_EcKeyCreateByKeyParameters</c> with its point and private-scalar
/// checks). In the daemon that second import was one of the two EC key creations of every name's first handshake
/// (uprobe counts and perf stacks: bench/README.md "Where the daemon's first handshake goes beyond the harness").
/// With the OpenSSL type the copy only duplicates the key's handle.
/// </remarks>
internal static class OpenSslKeys
{
    /// <summary>An empty ECDSA key to import into.</summary>
    public static ECDsa CreateEcdsa() => OperatingSystem.IsLinux() ? new ECDsaOpenSsl() : ECDsa.Create();

    /// <summary>An empty RSA key to import into.</summary>
    public static RSA CreateRsa() => OperatingSystem.IsLinux() ? new RSAOpenSsl() : RSA.Create();
}
