using System.Runtime.InteropServices;

namespace Terminator.LoadTest.Client.OpenSsl;

/// <summary>
/// Makes OpenSSL 3.0 decode and use EC keys (the server certificate's, on every full handshake, and the CA's) through
/// its built-in EC key method instead of the provider machinery (decoders, key managers, fetches), by registering an
/// ENGINE that offers OpenSSL's own built-in EC <c>EVP_PKEY_METHOD</c> for id-ecPublicKey. Nothing is verified
/// differently: the same <c>X509_verify_cert</c>, host check and ECDSA checks run, in the OpenSSL EC code the
/// provider wraps as well.
/// </summary>
/// <remarks>
/// <para>Why: in OpenSSL 3.0 (Debian 12's 3.0.x) <c>d2i_X509</c> of the demo's 463-byte ECDSA leaf costs 130-200 µs of
/// CPU on the dev box, almost all of it in <c>OSSL_DECODER_CTX_new_for_pkey</c> enumerating every provider's decoders
/// and key managers (rwlocks, mallocs, string compares), a 3.0 cost later releases cache; with this engine, 17-19 µs.
/// The legacy path (<c>x509_pubkey_decode</c>) is only taken when an ENGINE claims the key type, hence the engine.
/// Measured on a bare loop of 2,000 clicks against the demo: ~150 µs less client CPU per click.</para>
/// <para>X25519 (the client's key share and the ECDHE derivation) the same way when <see cref="IncludeKeyExchange"/>:
/// another ~100 µs per click on the bare loop. Only in a process that serves no TLS itself: OpenSSL's server side makes
/// its X25519 key through <c>EVP_PKEY_paramgen_init</c>, which the built-in X25519 method lacks, so an in-process
/// OpenSSL server (the test suite's terminator) answers <c>internal_error</c>. The runner's process sets it
/// (Program.cs: its targets are other processes). The engine as a whole is registered only where <see cref="Enabled"/>
/// is set (the runner's process); the tests run the runner as a process to check it.</para>
/// <para>Process-wide (ENGINEs are global to the library): registered once, when the first OpenSSL-engine context is
/// made. Skipped where the library has no ENGINE API; then the provider's lookups it is.</para>
/// </remarks>
internal static class LegacyEcKeys
{
    private const string LibCrypto = "libcrypto.so.3";
    private const int NidEcPublicKey = 408;   // NID_X9_62_id_ecPublicKey
    private const int NidX25519 = 1034;

    private static readonly Lock s_gate = new();
    private static PkeyMethods? s_callback;   // kept alive for as long as OpenSSL may call it: the process
    private static nint s_nids;
    private static bool s_done;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int PkeyMethods(nint engine, nint method, nint nids, int nid);

    /// <summary>Claim X25519 as well (see the remarks): only for a process that serves no TLS; set before the first
    /// OpenSSL-engine connection.</summary>
    public static bool IncludeKeyExchange { get; set; }

    /// <summary>Whether <see cref="Register"/> registers the engine at all: set by the runner's own process only, so a
    /// process that also serves TLS through the runtime (the test suite's in-process terminators) keeps stock OpenSSL and
    /// tests the product as it runs in production.</summary>
    public static bool Enabled { get; set; }

    /// <summary>True when the engine is registered (now or before); false when not <see cref="Enabled"/>.</summary>
    public static bool Register()
    {
        if (!Enabled)
        {
            return false;
        }

        lock (s_gate)
        {
            if (s_done)
            {
                return s_callback is not null;
            }

            s_done = true;
            try
            {
                nint ec = EVP_PKEY_meth_find(NidEcPublicKey);
                nint x25519 = IncludeKeyExchange ? EVP_PKEY_meth_find(NidX25519) : nint.Zero;
                if (ec == nint.Zero)
                {
                    return false;
                }

                int count = x25519 == nint.Zero ? 1 : 2;
                s_nids = Marshal.AllocHGlobal(count * sizeof(int));
                Marshal.WriteInt32(s_nids, NidEcPublicKey);
                if (count == 2)
                {
                    Marshal.WriteInt32(s_nids, sizeof(int), NidX25519);
                }

                // ENGINE_PKEY_METHS_PTR: with no method pointer, the list of NIDs served; otherwise the method for one.
                PkeyMethods callback = (_, method, nids, nid) =>
                {
                    if (method == nint.Zero)
                    {
                        Marshal.WriteIntPtr(nids, s_nids);
                        return count;
                    }

                    nint found = nid == NidEcPublicKey ? ec : nid == NidX25519 ? x25519 : nint.Zero;
                    Marshal.WriteIntPtr(method, found);
                    return found == nint.Zero ? 0 : 1;
                };
                nint engine = ENGINE_new();
                if (engine == nint.Zero
                    // ENGINE_set_id/name keep the pointers, not copies: native strings that live as long as the process.
                    || ENGINE_set_id(engine, Marshal.StringToCoTaskMemUTF8("terminator-loadtest-ec")) != 1
                    || ENGINE_set_name(engine, Marshal.StringToCoTaskMemUTF8("built-in EC key method (skips OpenSSL 3.0 decoder lookups)")) != 1
                    || ENGINE_set_pkey_meths(engine, Marshal.GetFunctionPointerForDelegate(callback)) != 1)
                {
                    return false;
                }

                s_callback = callback;
                if (ENGINE_register_pkey_meths(engine) != 1)
                {
                    s_callback = null;
                    return false;
                }

                return true;
            }
            catch (EntryPointNotFoundException)
            {
                return false;   // an OpenSSL built without ENGINE support
            }
            finally
            {
                OpenSslNative.ERR_clear_error();
            }
        }
    }

    [DllImport(LibCrypto)]
    private static extern nint EVP_PKEY_meth_find(int type);

    [DllImport(LibCrypto)]
    private static extern nint ENGINE_new();

    [DllImport(LibCrypto)]
    private static extern int ENGINE_set_id(nint engine, nint id);

    [DllImport(LibCrypto)]
    private static extern int ENGINE_set_name(nint engine, nint name);

    [DllImport(LibCrypto)]
    private static extern int ENGINE_set_pkey_meths(nint engine, nint callback);

    [DllImport(LibCrypto)]
    private static extern int ENGINE_register_pkey_meths(nint engine);
}
