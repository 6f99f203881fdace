using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Terminator.Tls;

/// <summary>
/// Rents the SSL_CTX handle that SslStream's process-wide cache holds for a set of server options, exactly as a
/// handshake on those options does, and keeps the rent until disposed: the cheap form of <see cref="SslContextPin"/>.
/// </summary>
/// <remarks>
/// dotnet/runtime (10.0, Linux): <c>Interop.OpenSsl.GetOrCreateSslContextHandle(SslAuthenticationOptions, allowCached)</c>
/// looks the SSL_CTX up in <c>s_sslContexts</c> (a <c>SafeHandleCache</c> keyed by client/server, the effective
/// protocols with an "ALPN offered" bit, and the SHA-512 thumbprints of the context's leaf and intermediates), builds it
/// if missing, and returns the <c>SafeSslContextHandle</c> with its <c>_rentCount</c> raised by one. Each handshake's
/// SSL holds one such rent while it lives. The cache's clean-up (every 32 insertions) frees only handles whose
/// <c>TryMarkForDispose</c> succeeds, i.e. whose rent count is 0; a <c>DangerousAddRef</c> would not stop it (the
/// handle would leave the cache and only its release be deferred). Disposing the handle returns the rent
/// (<c>SafeSslContextHandle.Dispose(bool)</c> decrements, and closes only below 0, which the cache's own mark does).
/// <para>The options go through the runtime's own <c>SslAuthenticationOptions.UpdateOptions</c>, the call SslStream
/// makes at the start of a handshake, so the key and the SSL_CTX's set-up are those a handshake on the same options
/// computes: no copy of the key's layout lives here. The runtime caches only when resumption is allowed, encryption is
/// required and there is no cipher-suites policy (<c>AllocateSslHandle</c>'s <c>cacheSslContext</c>); other options are
/// not rented (<see cref="TryRent"/> returns false and the caller falls back to a half-handshake).</para>
/// <para>The members are reached with <see cref="UnsafeAccessorAttribute"/> and <see cref="UnsafeAccessorTypeAttribute"/>.
/// If a runtime update moves any of them, the first call throws <see cref="MissingMemberException"/>, renting stops for
/// the rest of the process (<see cref="IsAvailable"/>) and pins fall back to the half-handshake (correct, costlier);
/// <c>SslContextPinTests.Start_RentsTheRuntimesCachedSslContext</c> fails, so the upgrade is seen.</para>
/// </remarks>
internal static class RuntimeSslContextRent
{
    private const string SslAuthenticationOptionsType = "System.Net.Security.SslAuthenticationOptions, System.Net.Security";
    private const string OpenSslInteropType = "Interop+OpenSsl, System.Net.Security";
    private const string SafeSslContextHandleType = "Microsoft.Win32.SafeHandles.SafeSslContextHandle, System.Net.Security";

    // The runtime reads its switch (System.Net.Security.DisableTlsResume, or the DOTNET_ variable) once; so does this.
    private static readonly Lazy<bool> s_tlsResumeDisabled = new(static () =>
    {
        if (AppContext.TryGetSwitch("System.Net.Security.DisableTlsResume", out bool disabled))
        {
            return disabled;
        }

        string? value = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SECURITY_DISABLETLSRESUME");
        return value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));
    });

    private static int s_runtimeMembersMissing;

    /// <summary>True while pins rent the runtime's handle (false once the runtime's members were missing).</summary>
    public static bool IsAvailable => Volatile.Read(ref s_runtimeMembersMissing) == 0;

    /// <summary>True when a handshake on <paramref name="options"/> takes its SSL_CTX from the runtime's cache (so a
    /// rent keeps it there). Mirrors dotnet/runtime <c>Interop.OpenSsl.AllocateSslHandle</c>'s server condition.</summary>
    public static bool IsCached(SslServerAuthenticationOptions options) =>
        options.AllowTlsResume
        && options.EncryptionPolicy == EncryptionPolicy.RequireEncryption
        && options.CipherSuitesPolicy is null
        && !TlsResumeDisabledByRuntimeSwitch();

    /// <summary>Rents the SSL_CTX handle the runtime's cache holds for <paramref name="options"/>, building the SSL_CTX
    /// if it does not exist yet. Dispose the handle exactly once to return the rent.</summary>
    /// <returns>False when renting is unavailable on this runtime or the options' SSL_CTX is not cached.</returns>
    /// <exception cref="Exception">Whatever the runtime throws building an SSL_CTX for these options (the handshake
    /// would throw the same).</exception>
    public static bool TryRent(SslServerAuthenticationOptions options, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeHandle? handle)
    {
        ArgumentNullException.ThrowIfNull(options);
        handle = null;
        if (!IsAvailable || !IsCached(options))
        {
            return false;
        }

        try
        {
            handle = Rent(options);
            return true;
        }
        catch (MissingMemberException)
        {
            // MissingMethodException/MissingFieldException/TypeLoadException's kin from UnsafeAccessor: not the runtime measured.
            Volatile.Write(ref s_runtimeMembersMissing, 1);
            return false;
        }
        catch (TypeLoadException)
        {
            Volatile.Write(ref s_runtimeMembersMissing, 1);
            return false;
        }
    }

    // Not inlined: a missing member must surface as an exception at this call, inside TryRent's try.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SafeHandle Rent(SslServerAuthenticationOptions options)
    {
        object authenticationOptions = NewAuthenticationOptions();
        UpdateOptions(authenticationOptions, options);
        return (SafeHandle)GetOrCreateSslContextHandle(null, authenticationOptions, allowCached: true);
    }

    private static bool TlsResumeDisabledByRuntimeSwitch() => s_tlsResumeDisabled.Value;

    // dotnet/runtime SslAuthenticationOptions(): what SslStream's constructor makes.
    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    [return: UnsafeAccessorType(SslAuthenticationOptionsType)]
    private static extern object NewAuthenticationOptions();

    // SslAuthenticationOptions.UpdateOptions(SslServerAuthenticationOptions): what AuthenticateAsServerAsync calls first.
    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "UpdateOptions")]
    private static extern void UpdateOptions([UnsafeAccessorType(SslAuthenticationOptionsType)] object authenticationOptions, SslServerAuthenticationOptions options);

    // Interop.OpenSsl.GetOrCreateSslContextHandle(SslAuthenticationOptions, bool allowCached): what AllocateSslHandle
    // calls for each handshake's SSL; returns the cached handle with one more rent.
    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "GetOrCreateSslContextHandle")]
    [return: UnsafeAccessorType(SafeSslContextHandleType)]
    private static extern object GetOrCreateSslContextHandle(
        [UnsafeAccessorType(OpenSslInteropType)] object? openSsl,
        [UnsafeAccessorType(SslAuthenticationOptionsType)] object authenticationOptions,
        bool allowCached);
}
