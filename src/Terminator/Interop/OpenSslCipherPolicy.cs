using System.Globalization;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Text;
using Terminator.Tls;

namespace Terminator.Interop;

/// <summary>
/// Puts <see cref="TlsPolicy"/>'s TLS 1.2 suites into OpenSSL itself, for every <c>SSL_CTX</c> this process creates,
/// by loading an OpenSSL <c>system_default</c> section in-process. Call <see cref="Apply"/> first thing in <c>Main</c>:
/// before the process's first <see cref="SslStream"/> handshake, or it silently has no effect on the cipher list.
/// </summary>
/// <remarks>
/// <para>Why not <see cref="CipherSuitesPolicy"/>: on Linux a policy switches off SslStream's <c>SSL_CTX</c> cache
/// (dotnet/runtime Interop.OpenSsl AllocateSslHandle caches only when <c>CipherSuitesPolicy == null</c>), which costs a
/// new <c>SSL_CTX</c> per handshake and all session resumption. Without one, the runtime's native shim
/// (System.Security.Cryptography.Native pal_ssl.c) gives every new <c>SSL_CTX</c> its own default list, which has CBC
/// suites (<c>ECDHE-ECDSA-AES128-SHA256</c>, ...) and no ChaCha20-Poly1305, <i>unless</i> OpenSSL's configuration
/// sets a <c>CipherString</c>. The shim decides that once per process, in <c>DetectCiphersuiteConfiguration</c>, when
/// SslStream first initialises its SSL layer (its first handshake, client or server; creating keys, certificates or
/// <see cref="SslStreamCertificateContext"/>s does not count),
/// and keeps its decision: a configuration loaded after that still reaches new <c>SSL_CTX</c>s, but the shim overwrites
/// their cipher list with its default.</para>
/// <para>What is loaded: <c>CipherString = <see cref="TlsPolicy.OpenSslCipherList"/>:@SECLEVEL=2</c> and
/// <c>MinProtocol = TLSv1.2</c>. No <c>Ciphersuites</c> line, so TLS 1.3 keeps OpenSSL's defaults (AES-GCM and
/// ChaCha20-Poly1305, all in the policy). SslStream sets the protocol range itself for
/// <see cref="TlsPolicy.Protocols"/>; <c>MinProtocol</c> matters to SslStreams that leave it to the system (an
/// <c>HttpClient</c>). It applies to client <c>SSL_CTX</c>s of this process too.</para>
/// <para>It replaces, not merges: OpenSSL keeps one table of <c>ssl_conf</c> sections per process and loading a
/// configuration frees the old one (crypto/conf/conf_ssl.c <c>ssl_module_init</c>), so whatever the host's
/// <c>openssl.cnf</c> put in <c>system_default</c> (a crypto policy, a different security level) no longer applies to
/// this process. Other processes on the host are unaffected.</para>
/// <para>Order: <c>OPENSSL_init_ssl</c> is called first with the runtime's own flags (openssl.c
/// <c>EnsureOpenSsl11Initialized</c>), so the host's <c>openssl.cnf</c> (providers) is loaded as it would be and then
/// overridden, not loaded afterwards over ours. <c>OPENSSL_INIT_NO_ATEXIT</c> matters: the first
/// <c>OPENSSL_init_*</c> call of a process decides whether <c>OPENSSL_cleanup</c> runs from <c>atexit</c>, which can
/// crash runtime threads still inside OpenSSL at exit. (A side effect: the runtime's OpenSSL memory-tracking diagnostic,
/// <c>DOTNET_SYSTEM_NET_SECURITY_OPENSSL_MEMORY_DEBUG=1</c>, must hook OpenSSL's allocator before its first allocation
/// and so no longer takes effect.)</para>
/// <para>Thread safety: the section table is read without a lock by every <c>SSL_CTX_new</c>; loading it while another
/// thread creates an <c>SSL_CTX</c> is a use-after-free. <see cref="Apply"/> therefore runs its load once per process,
/// and must be first called before any thread does TLS.</para>
/// <para>P/Invokes are <c>DllImport</c> with blittable signatures (no string or array marshalling; NativeAOT-clean):
/// <c>LibraryImport</c> would need unsafe code, which this project does not allow. They bind <c>libssl.so.3</c> and
/// <c>libcrypto.so.3</c>, the OpenSSL 3 the runtime loads on the hosts we support.</para>
/// </remarks>
internal static partial class OpenSslCipherPolicy
{
    private const string LibSsl = "libssl.so.3";
    private const string LibCrypto = "libcrypto.so.3";

    private const ulong InitFlags =
        0x00000002 | // OPENSSL_INIT_LOAD_CRYPTO_STRINGS
        0x00000004 | // OPENSSL_INIT_ADD_ALL_CIPHERS
        0x00000008 | // OPENSSL_INIT_ADD_ALL_DIGESTS
        0x00000040 | // OPENSSL_INIT_LOAD_CONFIG: the host's openssl.cnf, as the runtime loads it
        0x00080000 | // OPENSSL_INIT_NO_ATEXIT
        0x00200000;  // OPENSSL_INIT_LOAD_SSL_STRINGS

    private const int SslCtrlGetMinProtoVersion = 130; // SSL_CTRL_GET_MIN_PROTO_VERSION (ssl.h)
    private const int Tls12Version = 0x0303;           // TLS1_2_VERSION
    private const int Tls13SuiteFirstByte = 0x13;      // TLS 1.3 suites are {0x13, 0x0X} (RFC 8446 §B.4)

    private static readonly Lock s_gate = new();
    private static volatile bool s_applied;

    /// <summary>The OpenSSL configuration <see cref="Apply"/> loads, built from <see cref="TlsPolicy"/>.</summary>
    /// <remarks>Internal for testing.</remarks>
    internal static string Config { get; } = string.Create(CultureInfo.InvariantCulture, $"""
        openssl_conf = terminator_init

        [terminator_init]
        ssl_conf = terminator_ssl

        [terminator_ssl]
        system_default = terminator_tls

        [terminator_tls]
        CipherString = {TlsPolicy.OpenSslCipherList}:@SECLEVEL=2
        MinProtocol = TLSv1.2

        """);

    /// <summary>True once <see cref="Apply"/> has succeeded in this process.</summary>
    public static bool IsApplied => s_applied;

    /// <summary>
    /// Loads <see cref="Config"/> into OpenSSL for this process, then checks that a new <c>SSL_CTX</c> offers exactly
    /// <see cref="TlsPolicy"/>'s TLS 1.2 suites (and nothing outside the policy). Idempotent and thread-safe: the work
    /// runs once per process, later calls return at once. Must first run before the process's first TLS handshake.
    /// </summary>
    /// <exception cref="InvalidOperationException">OpenSSL 3 could not be loaded, or it refused the configuration, or a
    /// new <c>SSL_CTX</c> does not carry the policy (a suite name it does not know, say).</exception>
    public static void Apply()
    {
        if (s_applied)
        {
            return;
        }

        lock (s_gate)
        {
            if (s_applied)
            {
                return;
            }

            try
            {
                LoadConfig();
                VerifyNewContext();
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                throw new InvalidOperationException($"OpenSSL 3 ({LibSsl}, {LibCrypto}) is required for the TLS cipher policy: {ex.Message}", ex);
            }

            s_applied = true;
        }
    }

    private static void LoadConfig()
    {
        if (NativeMethods.OPENSSL_init_ssl(InitFlags, 0) != 1)
        {
            ThrowOpenSslError("OPENSSL_init_ssl failed");
        }

        nint text = Marshal.StringToCoTaskMemUTF8(Config); // BIO_new_mem_buf does not copy: keep it until BIO_free
        nint conf = NativeMethods.NCONF_new(0);
        nint bio = NativeMethods.BIO_new_mem_buf(text, -1);
        try
        {
            if (conf == 0 || bio == 0)
            {
                ThrowOpenSslError("out of memory loading the TLS cipher policy");
            }

            if (NativeMethods.NCONF_load_bio(conf, bio, out nint line) != 1)
            {
                ThrowOpenSslError($"OpenSSL could not parse the TLS cipher policy (line {line})");
            }

            if (NativeMethods.CONF_modules_load(conf, 0, 0) != 1)
            {
                ThrowOpenSslError("OpenSSL refused the TLS cipher policy");
            }
        }
        finally
        {
            if (bio != 0)
            {
                _ = NativeMethods.BIO_free(bio);
            }

            if (conf != 0)
            {
                NativeMethods.NCONF_free(conf);
            }

            Marshal.FreeCoTaskMem(text);
            NativeMethods.ERR_clear_error();
        }
    }

    /// <summary>
    /// A plain <c>SSL_CTX_new</c> applies <c>system_default</c> as SslStream's will (before the shim's cipher override,
    /// which the loaded <c>CipherString</c> turns off). OpenSSL skips cipher names it does not know, so a misspelt name
    /// in <see cref="TlsPolicy"/> would silently drop a suite; a wholly unusable string fails <c>SSL_CTX_new</c>.
    /// </summary>
    private static void VerifyNewContext()
    {
        nint context = NativeMethods.SSL_CTX_new(NativeMethods.TLS_method());
        if (context == 0)
        {
            ThrowOpenSslError($"OpenSSL cannot create an SSL_CTX under the TLS cipher policy (CipherString {TlsPolicy.OpenSslCipherList})");
        }

        nint ssl = 0;
        try
        {
            nint minimum = NativeMethods.SSL_CTX_ctrl(context, SslCtrlGetMinProtoVersion, 0, 0);
            ssl = NativeMethods.SSL_new(context);
            if (ssl == 0)
            {
                ThrowOpenSslError("SSL_new failed while checking the TLS cipher policy");
            }

            var offeredTls12 = new List<string>();
            var outsidePolicy = new List<string>();
            nint ciphers = NativeMethods.SSL_get_ciphers(ssl);
            int count = ciphers == 0 ? 0 : NativeMethods.OPENSSL_sk_num(ciphers);
            for (int i = 0; i < count; i++)
            {
                nint cipher = NativeMethods.OPENSSL_sk_value(ciphers, i);
                ushort codePoint = NativeMethods.SSL_CIPHER_get_protocol_id(cipher);
                string name = Marshal.PtrToStringUTF8(NativeMethods.SSL_CIPHER_get_name(cipher)) ?? "?";
                if (!TlsPolicy.IsAllowed((TlsCipherSuite)codePoint))
                {
                    outsidePolicy.Add(name);
                }
                else if (codePoint >> 8 != Tls13SuiteFirstByte)
                {
                    offeredTls12.Add(name);
                }
            }

            string offered = string.Join(':', offeredTls12);
            if (outsidePolicy.Count > 0 || offered != TlsPolicy.OpenSslCipherList || minimum != Tls12Version)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"OpenSSL did not take the TLS cipher policy: a new SSL_CTX offers TLS 1.2 suites '{offered}' (expected '{TlsPolicy.OpenSslCipherList}'), suites outside the policy '{string.Join(':', outsidePolicy)}', minimum protocol 0x{minimum:X4} (expected 0x{Tls12Version:X4})"));
            }
        }
        finally
        {
            if (ssl != 0)
            {
                NativeMethods.SSL_free(ssl);
            }

            NativeMethods.SSL_CTX_free(context);
            NativeMethods.ERR_clear_error();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Diagnostics.StackTraceHidden]
    private static void ThrowOpenSslError(string message)
    {
        var details = new StringBuilder();
        ulong error;
        while ((error = NativeMethods.ERR_get_error()) != 0)
        {
            string reason = Marshal.PtrToStringUTF8(NativeMethods.ERR_reason_error_string(error)) ?? "unknown";
            details.Append(CultureInfo.InvariantCulture, $"; error:{error:X8}:{reason}");
        }

        throw new InvalidOperationException(message + details);
    }
}
