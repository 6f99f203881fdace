using System.Runtime.InteropServices;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>
/// The OpenSSL 3 client calls the <see cref="OpenSslConnection"/> engine makes, bound the way src/Terminator/Interop
/// binds its few: <c>DllImport</c> of <c>libssl.so.3</c>/<c>libcrypto.so.3</c> (the OpenSSL the runtime itself loads, so
/// one copy in the process), blittable signatures only; buffers go in as <c>ref byte</c> (pinned for the call), since
/// the repository allows no unsafe code. C <c>long</c> is 64-bit on the Linux targets, hence <see cref="nint"/>.
/// </summary>
internal static class OpenSslNative
{
    private const string LibSsl = "libssl.so.3";
    private const string LibCrypto = "libcrypto.so.3";

    public const int SslErrorSsl = 1;
    public const int SslErrorWantRead = 2;
    public const int SslErrorWantWrite = 3;
    public const int SslErrorSyscall = 5;
    public const int SslErrorZeroReturn = 6;

    public const int SslVerifyNone = 0;
    public const int SslVerifyPeer = 1;

    public const int SslCtrlSetTlsextHostname = 55;   // SSL_set_tlsext_host_name is this SSL_ctrl
    public const int TlsextNametypeHostName = 0;
    public const int SslCtrlSetMinProtoVersion = 123;
    public const int Tls12Version = 0x0303;
    public const int SslSentShutdown = 1;
    public const int BioCtrlPending = 10;             // BIO_pending is this BIO_ctrl
    public const ulong X509VFlagPartialChain = 0x80000;
    public const int X509VOk = 0;
    public const int X509VErrHostnameMismatch = 62;

    public const ulong InitFlags =
        0x00000002 | // OPENSSL_INIT_LOAD_CRYPTO_STRINGS
        0x00000004 | // OPENSSL_INIT_ADD_ALL_CIPHERS
        0x00000008 | // OPENSSL_INIT_ADD_ALL_DIGESTS
        0x00000040 | // OPENSSL_INIT_LOAD_CONFIG
        0x00080000 | // OPENSSL_INIT_NO_ATEXIT: no OPENSSL_cleanup from atexit under the runtime's threads
        0x00200000;  // OPENSSL_INIT_LOAD_SSL_STRINGS

    [DllImport(LibSsl)]
    public static extern int OPENSSL_init_ssl(ulong options, nint settings);

    [DllImport(LibSsl)]
    public static extern nint TLS_client_method();

    [DllImport(LibSsl)]
    public static extern nint SSL_CTX_new(nint method);

    [DllImport(LibSsl)]
    public static extern void SSL_CTX_free(nint context);

    [DllImport(LibSsl)]
    public static extern nint SSL_CTX_ctrl(nint context, int command, nint larg, nint parg);

    [DllImport(LibSsl)]
    public static extern void SSL_CTX_set_verify(nint context, int mode, nint callback);

    [DllImport(LibSsl)]
    public static extern nint SSL_CTX_get_cert_store(nint context);

    /// <summary>Replaces <c>X509_verify_cert</c> for the context's handshakes: <c>int (*)(X509_STORE_CTX *, void *arg)</c>.</summary>
    [DllImport(LibSsl)]
    public static extern void SSL_CTX_set_cert_verify_callback(nint context, nint callback, nint argument);

    [DllImport(LibSsl)]
    public static extern int SSL_CTX_set_default_verify_paths(nint context);

    /// <summary>0 on success (unlike the rest of the API).</summary>
    [DllImport(LibSsl)]
    public static extern int SSL_CTX_set_alpn_protos(nint context, ref byte protocols, uint length);

    [DllImport(LibSsl)]
    public static extern nint SSL_new(nint context);

    [DllImport(LibSsl)]
    public static extern void SSL_free(nint ssl);

    [DllImport(LibSsl)]
    public static extern void SSL_set_connect_state(nint ssl);

    [DllImport(LibSsl)]
    public static extern nint SSL_ctrl(nint ssl, int command, nint larg, ref byte parg);

    [DllImport(LibSsl)]
    public static extern int SSL_set1_host(nint ssl, ref byte hostname);

    [DllImport(LibSsl)]
    public static extern void SSL_set_bio(nint ssl, nint readBio, nint writeBio);

    [DllImport(LibSsl)]
    public static extern int SSL_do_handshake(nint ssl);

    [DllImport(LibSsl)]
    public static extern int SSL_get_error(nint ssl, int result);

    [DllImport(LibSsl)]
    public static extern int SSL_read(nint ssl, ref byte buffer, int count);

    [DllImport(LibSsl)]
    public static extern int SSL_write(nint ssl, ref byte buffer, int count);

    [DllImport(LibSsl)]
    public static extern nint SSL_get_verify_result(nint ssl);

    [DllImport(LibSsl)]
    public static extern int SSL_set_session(nint ssl, nint session);

    [DllImport(LibSsl)]
    public static extern nint SSL_get1_session(nint ssl);

    [DllImport(LibSsl)]
    public static extern int SSL_session_reused(nint ssl);

    [DllImport(LibSsl)]
    public static extern int SSL_SESSION_is_resumable(nint session);

    [DllImport(LibSsl)]
    public static extern void SSL_SESSION_free(nint session);

    [DllImport(LibSsl)]
    public static extern void SSL_set_shutdown(nint ssl, int mode);

    [DllImport(LibSsl)]
    public static extern nint SSL_get1_peer_certificate(nint ssl);

    [DllImport(LibSsl)]
    public static extern nint SSL_alert_desc_string_long(int value);

    [DllImport(LibCrypto)]
    public static extern nint BIO_s_mem();

    [DllImport(LibCrypto)]
    public static extern nint BIO_new(nint method);

    [DllImport(LibCrypto)]
    public static extern int BIO_free(nint bio);

    [DllImport(LibCrypto)]
    public static extern int BIO_read(nint bio, ref byte buffer, int count);

    [DllImport(LibCrypto)]
    public static extern int BIO_write(nint bio, ref byte buffer, int count);

    [DllImport(LibCrypto)]
    public static extern nint BIO_ctrl(nint bio, int command, nint larg, nint parg);

    [DllImport(LibCrypto)]
    public static extern nint d2i_X509(nint existing, ref nint input, nint length);

    [DllImport(LibCrypto)]
    public static extern int i2d_X509(nint certificate, ref nint output);

    /// <summary><c>i2d_X509(certificate, NULL)</c>: the DER length only.</summary>
    [DllImport(LibCrypto, EntryPoint = "i2d_X509")]
    public static extern int i2d_X509_Length(nint certificate, nint none);

    [DllImport(LibCrypto)]
    public static extern void X509_free(nint certificate);

    [DllImport(LibCrypto)]
    public static extern int X509_verify_cert(nint storeContext);

    [DllImport(LibCrypto)]
    public static extern nint X509_STORE_CTX_get0_cert(nint storeContext);

    /// <summary>The chain as the server sent it, leaf first (what <c>ssl_verify_cert_chain</c> passed in).</summary>
    [DllImport(LibCrypto)]
    public static extern nint X509_STORE_CTX_get0_untrusted(nint storeContext);

    /// <summary>The verified chain up to the trust anchor, after a successful <c>X509_verify_cert</c>.</summary>
    [DllImport(LibCrypto)]
    public static extern nint X509_STORE_CTX_get0_chain(nint storeContext);

    [DllImport(LibCrypto)]
    public static extern nint X509_STORE_CTX_get0_param(nint storeContext);

    [DllImport(LibCrypto)]
    public static extern int X509_STORE_CTX_get_error(nint storeContext);

    [DllImport(LibCrypto)]
    public static extern void X509_STORE_CTX_set_error(nint storeContext, int error);

    /// <summary>The host name <c>SSL_set1_host</c> set (NULL when it was an IP address, or none).</summary>
    [DllImport(LibCrypto)]
    public static extern nint X509_VERIFY_PARAM_get0_host(nint parameters, int index);

    [DllImport(LibCrypto)]
    public static extern uint X509_VERIFY_PARAM_get_hostflags(nint parameters);

    /// <summary>1 when the certificate matches the NUL-terminated <paramref name="host"/> (length 0: up to the NUL).</summary>
    [DllImport(LibCrypto)]
    public static extern int X509_check_host(nint certificate, nint host, nint length, uint flags, nint peerName);

    [DllImport(LibCrypto)]
    public static extern nint X509_get0_notAfter(nint certificate);

    /// <summary>From <paramref name="from"/> (NULL: now) to <paramref name="to"/>, in days and seconds.</summary>
    [DllImport(LibCrypto)]
    public static extern int ASN1_TIME_diff(out int days, out int seconds, nint from, nint to);

    [DllImport(LibCrypto)]
    public static extern int OPENSSL_sk_num(nint stack);

    [DllImport(LibCrypto)]
    public static extern nint OPENSSL_sk_value(nint stack, int index);

    [DllImport(LibCrypto)]
    public static extern int X509_STORE_add_cert(nint store, nint certificate);

    [DllImport(LibCrypto)]
    public static extern int X509_STORE_set_flags(nint store, ulong flags);

    [DllImport(LibCrypto)]
    public static extern nint X509_verify_cert_error_string(nint error);

    [DllImport(LibCrypto)]
    public static extern ulong ERR_get_error();

    [DllImport(LibCrypto)]
    public static extern nint ERR_reason_error_string(ulong error);

    [DllImport(LibCrypto)]
    public static extern void ERR_clear_error();

    [DllImport(LibCrypto)]
    public static extern void CRYPTO_free(nint pointer, nint file, int line);
}
