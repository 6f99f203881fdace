using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Terminator.Daemon;

/// <summary>
/// <c>terminator --version</c> and <c>terminator version</c>: what is running, one line each: the daemon's version, the
/// git commit it was built from (embedded at build time, <c>Directory.Build.targets</c>; "unknown" for a build outside
/// a git checkout), the .NET runtime and the OpenSSL the runtime loaded (what every handshake runs on).
/// </summary>
internal static class VersionCommand
{
    /// <summary>Build metadata for a build whose commit could not be read.</summary>
    public const string UnknownCommit = "unknown";

    public static int Write(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        (string version, string commit) = Describe(typeof(VersionCommand).Assembly);
        output.WriteLine($"terminator {version}");
        output.WriteLine($"commit {commit}");
        output.WriteLine($"runtime {RuntimeInformation.FrameworkDescription}");
        output.WriteLine($"openssl {OpenSslVersion()}");
        return 0;
    }

    /// <summary>The version and commit from an assembly's informational version ("1.0.0+&lt;sha&gt;", SemVer build metadata).</summary>
    internal static (string Version, string Commit) Describe(Assembly assembly)
    {
        string informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, UnknownCommit) : (informational[..plus], informational[(plus + 1)..]);
    }

    /// <summary>The OpenSSL library the runtime's crypto shim loaded (OpenSSL_version_num), as major.minor.patch.</summary>
    internal static string OpenSslVersion()
    {
        long number;
        try
        {
            number = SafeEvpPKeyHandle.OpenSslVersion;
        }
        catch (Exception ex) when (ex is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException
            or PlatformNotSupportedException or CryptographicException)
        {
            return $"not loaded ({ex.GetBaseException().Message})";
        }

        return FormatOpenSslVersion(number);
    }

    /// <summary>OPENSSL_VERSION_NUMBER: 0xMNN00PP0 from 3.0 on, 0xMNNFFPPS (patch letter in PP) before.</summary>
    internal static string FormatOpenSslVersion(long number)
    {
        long major = (number >> 28) & 0xF;
        long minor = (number >> 20) & 0xFF;
        if (major >= 3)
        {
            return $"{major}.{minor}.{(number >> 4) & 0xFF}";
        }

        long fix = (number >> 12) & 0xFF;
        long patch = (number >> 4) & 0xFF;
        return patch == 0 ? $"{major}.{minor}.{fix}" : $"{major}.{minor}.{fix}{(char)('a' + patch - 1)}";
    }
}
