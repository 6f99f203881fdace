using System.Diagnostics.CodeAnalysis;

namespace Terminator.Tls;

/// <summary>Application protocols offered in the ALPN extension (RFC 7301). GREASE identifiers (RFC 8701 §2) are ignored.</summary>
[Flags]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Name fixed by the integration contract; it is a [Flags] enum.")]
internal enum AlpnFlags : byte
{
    /// <summary>No ALPN extension, or only GREASE identifiers.</summary>
    None = 0,

    /// <summary>"http/1.1" was offered.</summary>
    Http11 = 1,

    /// <summary>"h2" was offered.</summary>
    Http2 = 2,

    /// <summary>At least one other protocol (e.g. "h3") was offered.</summary>
    Other = 4,

    /// <summary>"acme-tls/1" was offered: an ACME CA validating a TLS-ALPN-01 challenge (RFC 8737 §3).</summary>
    AcmeTls1 = 8,
}
