using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Terminator.Tls;

/// <summary>
/// Sets OpenSSL's <c>SSL_MODE_RELEASE_BUFFERS</c> on each server connection once its handshake is done, so an idle
/// keep-alive connection does not hold its record read/write buffers (nginx sets the same mode). SslStream never sets
/// it: uprobes on <c>SSL_ctrl</c>/<c>SSL_CTX_ctrl</c> saw no <c>SSL_CTRL_MODE</c> call, and the mode read back is 0x4
/// (auto-retry only). Measured with the macro benchmark's idle step (10,000 idle TLS keep-alive connections): 39.5 →
/// 26.1 KiB per connection, CPU per keep-alive request unchanged (bench/README.md).
/// </summary>
/// <remarks>
/// There is no public API for it: the SSL handle is SslStream's private <c>_securityContext</c>, which in .NET 10 on
/// Linux is a <c>SafeDeleteSslContext</c> whose handle is the <c>SSL*</c>. Calling <c>SSL_ctrl</c> on anything else
/// would crash the process, so the workaround runs only on exactly that shape (field, type name, runtime major 10) and
/// otherwise does nothing; <see cref="IsAvailable"/> turns false and a test
/// (<c>OpenSslRecordBuffersTests</c>) fails, so a runtime upgrade is re-checked rather than silently skipped.
/// </remarks>
internal static class OpenSslRecordBuffers
{
    private const int SslCtrlMode = 33;          // SSL_CTRL_MODE
    private const long SslModeReleaseBuffers = 0x10; // SSL_MODE_RELEASE_BUFFERS

    private static readonly FieldInfo? s_securityContext = FindSecurityContextField();
    private static int s_failed;

    /// <summary>True when this runtime's SslStream has the shape the workaround was verified on.</summary>
    public static bool IsAvailable => s_securityContext is not null && Volatile.Read(ref s_failed) == 0;

    /// <summary>Sets the mode on <paramref name="stream"/>'s SSL; true when OpenSSL reports it set.</summary>
    public static bool TryRelease(SslStream stream)
    {
        if (!IsAvailable || TryGetSsl(stream) is not { } ssl)
        {
            return false;
        }

        bool added = false;
        try
        {
            ssl.DangerousAddRef(ref added);
            long mode = NativeMethods.SSL_ctrl(ssl.DangerousGetHandle(), SslCtrlMode, SslModeReleaseBuffers, IntPtr.Zero);
            return (mode & SslModeReleaseBuffers) != 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_failed, 1);
            return false;
        }
        finally
        {
            if (added)
            {
                ssl.DangerousRelease();
            }
        }
    }

    /// <summary>The handle whose value is <paramref name="stream"/>'s <c>SSL*</c>, or null when this runtime's SslStream
    /// is not the verified shape or the stream has no live SSL (before its handshake, after its disposal). Callers
    /// hold it with <see cref="SafeHandle.DangerousAddRef"/> while they use the pointer. Shared with
    /// <see cref="OpenSslIdleBuffers"/>.</summary>
    internal static SafeHandle? TryGetSsl(SslStream stream) =>
        s_securityContext?.GetValue(stream) is SafeHandle ssl && !ssl.IsInvalid && !ssl.IsClosed ? ssl : null;

    private static FieldInfo? FindSecurityContextField()
    {
        if (!OperatingSystem.IsLinux() || Environment.Version.Major != 10)
        {
            return null;
        }

        FieldInfo? field = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
        return field?.FieldType.FullName == "System.Net.Security.SafeDeleteSslContext" && typeof(SafeHandle).IsAssignableFrom(field.FieldType)
            ? field
            : null;
    }

    private static class NativeMethods
    {
        // The soname the runtime itself loads on this distribution (OpenSSL 3).
        [DllImport("libssl.so.3", ExactSpelling = true)]
        public static extern long SSL_ctrl(IntPtr ssl, int cmd, long larg, IntPtr parg);
    }
}
