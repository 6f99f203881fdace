namespace Terminator.Certificates;

/// <summary>
/// The signature family of a certificate's key, which decides which clients can use it (RFC 8446 §4.2.3,
/// RFC 5246 §7.4.1.4.1). A name holds at most one winner per family at a time; see <see cref="CertificateMap"/>.
/// </summary>
/// <remarks>One byte: every <see cref="CertificateEntry"/> holds one, a million of them at scale.</remarks>
internal enum CertificateKeyFamily : byte
{
    /// <summary>RSA (and, should the loader ever accept one, any other non-ECDSA key): what every client can verify.</summary>
    Rsa,

    /// <summary>ECDSA on any curve: smaller and cheaper to sign with, served to clients that offer it.</summary>
    Ecdsa,
}
