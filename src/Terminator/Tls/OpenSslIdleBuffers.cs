using System.Net.Security;
using System.Runtime.InteropServices;

namespace Terminator.Tls;

/// <summary>
/// Frees the buffers of SslStream's two OpenSSL memory BIOs when its connection goes idle. On Linux the runtime does
/// not hand OpenSSL the socket: it writes each received TLS record into a <c>BIO_s_mem</c> (the SSL's read BIO) and
/// takes what OpenSSL wrote out of another (its write BIO). A memory BIO's <c>BUF_MEM</c> grows to the largest amount
/// ever held at once (the ClientHello in; the server's first flight with its certificate chain, or a response's
/// records, out) and OpenSSL never shrinks it, so every idle keep-alive connection kept both high-water buffers: about
/// 1.2 KiB per server end after a handshake and a small request (macro idle step, 10,000 connections: 20.7-21.1 →
/// 19.7-19.8 KiB per connection), about 22 KiB once a connection has carried a full 16 KiB record (bench/README.md).
/// </summary>
/// <remarks>
/// <para>OpenSSL 3.0 <c>crypto/bio/bss_mem.c</c>: <c>BIO_C_SET_BUF_MEM</c> frees the BIO's current <c>BUF_MEM</c> (data
/// included) when the BIO owns it (<c>shutdown</c> set, as <c>BIO_new(BIO_s_mem())</c> leaves it), takes the new one
/// and points the read pointer at it; the BIO object the runtime holds stays the same. It is done only when a BIO holds
/// no byte (<c>BIO_CTRL_PENDING</c> 0), owns its buffer and is not read-only, so it changes nothing the runtime or OpenSSL
/// can observe: an empty BIO before and after, grown again by the next record. Callers make sure no read or write of
/// the stream is in progress (the proxy loop calls it between requests, before its zero-byte read).</para>
/// <para>The SSL is reached as <see cref="OpenSslRecordBuffers"/> reaches it; both BIOs are checked to be memory BIOs
/// (<c>BIO_method_type</c>) before anything is touched, and the first SSL whose BIOs are not turns the workaround off
/// for the process (a runtime that changed its BIO design). <see cref="RuntimeWorkarounds.Probe"/> decides that at
/// start-up and <c>OpenSslIdleBuffersTests</c> fails on such a runtime.</para>
/// </remarks>
internal static class OpenSslIdleBuffers
{
    private const int BioTypeMem = 1 | 0x0400;      // BIO_TYPE_MEM (1 | BIO_TYPE_SOURCE_SINK)
    private const int BioFlagsMemReadOnly = 0x200;  // BIO_FLAGS_MEM_RDONLY
    private const int BioCtrlGetClose = 8;          // BIO_CTRL_GET_CLOSE
    private const int BioCtrlPending = 10;          // BIO_CTRL_PENDING
    private const int BioCSetBufMem = 114;          // BIO_C_SET_BUF_MEM
    private const int BioCGetBufMemPtr = 115;       // BIO_C_GET_BUF_MEM_PTR
    private const long BioClose = 1;                // BIO_CLOSE

    // BUF_MEM is public ABI (openssl/buffer.h): { size_t length; char *data; size_t max; unsigned long flags; }.
    private static readonly int s_bufMemMaxOffset = 2 * IntPtr.Size;

    private static int s_failed;

    /// <summary>The call the proxy loop makes between requests (through <c>TlsConnectionFeature.ReleaseIdleBuffers</c>,
    /// so it needs to know nothing of TLS).</summary>
    public static readonly Action<Stream> ReleaseOnIdle = static transport =>
    {
        if (transport is SslStream tls)
        {
            TryRelease(tls);
        }
    };

    /// <summary>True when this runtime's SslStream has the verified shape and no SSL has shown other than memory BIOs.</summary>
    public static bool IsAvailable => OpenSslRecordBuffers.IsAvailable && Volatile.Read(ref s_failed) == 0;

    /// <summary>Frees both BIOs' buffers when they hold nothing; returns the bytes of buffer capacity freed (0 when there
    /// was nothing to free or a BIO held data), or -1 when the workaround is off.</summary>
    public static long TryRelease(SslStream stream)
    {
        if (!IsAvailable)
        {
            return -1;
        }

        if (OpenSslRecordBuffers.TryGetSsl(stream) is not { } ssl)
        {
            return 0;
        }

        bool added = false;
        try
        {
            ssl.DangerousAddRef(ref added);
            IntPtr handle = ssl.DangerousGetHandle();
            IntPtr readBio = NativeMethods.SSL_get_rbio(handle);
            IntPtr writeBio = NativeMethods.SSL_get_wbio(handle);
            if (readBio == IntPtr.Zero || writeBio == IntPtr.Zero)
            {
                return 0;
            }

            if (NativeMethods.BIO_method_type(readBio) != BioTypeMem || NativeMethods.BIO_method_type(writeBio) != BioTypeMem)
            {
                Volatile.Write(ref s_failed, 1);
                return -1;
            }

            long freed = ReleaseBuffer(readBio);
            return writeBio == readBio ? freed : freed + ReleaseBuffer(writeBio);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref s_failed, 1);
            return -1;
        }
        finally
        {
            if (added)
            {
                ssl.DangerousRelease();
            }
        }
    }

    private static long ReleaseBuffer(IntPtr bio)
    {
        if (NativeMethods.BIO_test_flags(bio, BioFlagsMemReadOnly) != 0
            || NativeMethods.BIO_ctrl(bio, BioCtrlGetClose, 0, IntPtr.Zero) != BioClose
            || NativeMethods.BIO_ctrl(bio, BioCtrlPending, 0, IntPtr.Zero) != 0
            || NativeMethods.BIO_ctrl(bio, BioCGetBufMemPtr, 0, out IntPtr buffer) != 1
            || buffer == IntPtr.Zero)
        {
            return 0;
        }

        long capacity = (long)(nuint)Marshal.ReadIntPtr(buffer, s_bufMemMaxOffset);
        if (capacity == 0)
        {
            return 0; // Already empty: nothing to free, and no allocation for nothing.
        }

        IntPtr empty = NativeMethods.BUF_MEM_new();
        if (empty == IntPtr.Zero)
        {
            return 0;
        }

        // Frees the old BUF_MEM and its data (the BIO owns it: checked above); the BIO owns the new one.
        NativeMethods.BIO_ctrl(bio, BioCSetBufMem, BioClose, empty);
        return capacity;
    }

    private static class NativeMethods
    {
        // The sonames the runtime itself loads on this distribution (OpenSSL 3).
        [DllImport("libssl.so.3", ExactSpelling = true)]
        public static extern IntPtr SSL_get_rbio(IntPtr ssl);

        [DllImport("libssl.so.3", ExactSpelling = true)]
        public static extern IntPtr SSL_get_wbio(IntPtr ssl);

        [DllImport("libcrypto.so.3", ExactSpelling = true)]
        public static extern int BIO_method_type(IntPtr bio);

        [DllImport("libcrypto.so.3", ExactSpelling = true)]
        public static extern int BIO_test_flags(IntPtr bio, int flags);

        [DllImport("libcrypto.so.3", ExactSpelling = true)]
        public static extern long BIO_ctrl(IntPtr bio, int cmd, long larg, IntPtr parg);

        [DllImport("libcrypto.so.3", ExactSpelling = true)]
        public static extern long BIO_ctrl(IntPtr bio, int cmd, long larg, out IntPtr parg);

        [DllImport("libcrypto.so.3", ExactSpelling = true)]
        public static extern IntPtr BUF_MEM_new();
    }
}
