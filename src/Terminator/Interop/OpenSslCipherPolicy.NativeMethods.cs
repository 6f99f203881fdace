using System.Runtime.InteropServices;

namespace Terminator.Interop;

internal static partial class OpenSslCipherPolicy
{
    /// <summary>OpenSSL 3 entry points, blittable signatures only (see the remarks on <see cref="OpenSslCipherPolicy"/>).</summary>
    private static class NativeMethods
    {
        [DllImport(LibSsl)]
        public static extern int OPENSSL_init_ssl(ulong options, nint settings);

        [DllImport(LibSsl)]
        public static extern nint TLS_method();

        [DllImport(LibSsl)]
        public static extern nint SSL_CTX_new(nint method);

        [DllImport(LibSsl)]
        public static extern void SSL_CTX_free(nint context);

        [DllImport(LibSsl)]
        public static extern nint SSL_CTX_ctrl(nint context, int command, nint larg, nint parg);

        [DllImport(LibSsl)]
        public static extern nint SSL_new(nint context);

        [DllImport(LibSsl)]
        public static extern void SSL_free(nint ssl);

        [DllImport(LibSsl)]
        public static extern nint SSL_get_ciphers(nint ssl);

        [DllImport(LibSsl)]
        public static extern nint SSL_CIPHER_get_name(nint cipher);

        [DllImport(LibSsl)]
        public static extern ushort SSL_CIPHER_get_protocol_id(nint cipher);

        [DllImport(LibCrypto)]
        public static extern nint NCONF_new(nint method);

        [DllImport(LibCrypto)]
        public static extern void NCONF_free(nint conf);

        [DllImport(LibCrypto)]
        public static extern int NCONF_load_bio(nint conf, nint bio, out nint errorLine);

        [DllImport(LibCrypto)]
        public static extern int CONF_modules_load(nint conf, nint applicationName, nuint flags);

        [DllImport(LibCrypto)]
        public static extern nint BIO_new_mem_buf(nint buffer, int length);

        [DllImport(LibCrypto)]
        public static extern int BIO_free(nint bio);

        [DllImport(LibCrypto)]
        public static extern int OPENSSL_sk_num(nint stack);

        [DllImport(LibCrypto)]
        public static extern nint OPENSSL_sk_value(nint stack, int index);

        [DllImport(LibCrypto)]
        public static extern ulong ERR_get_error();

        [DllImport(LibCrypto)]
        public static extern nint ERR_reason_error_string(ulong error);

        [DllImport(LibCrypto)]
        public static extern void ERR_clear_error();
    }
}
