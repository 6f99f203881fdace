using System.Runtime.CompilerServices;
using Terminator.Interop;

namespace Terminator.Tests.TestHelpers;

/// <summary>
/// Gives the test process the daemon's OpenSSL cipher policy, so the in-process servers negotiate what the daemon does.
/// A module initializer: it runs before any test code, and the policy only takes effect before the process's first TLS
/// handshake (see <see cref="OpenSslCipherPolicy"/>).
/// </summary>
internal static class OpenSslPolicyInitializer
{
    [ModuleInitializer]
    internal static void Apply() => OpenSslCipherPolicy.Apply();
}
