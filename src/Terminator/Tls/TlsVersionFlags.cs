using System.Diagnostics.CodeAnalysis;

namespace Terminator.Tls;

/// <summary>TLS protocol versions a client offered in its ClientHello. SSL 3.0, drafts and GREASE are not represented.</summary>
[Flags]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Name fixed by the integration contract; it is a [Flags] enum.")]
internal enum TlsVersionFlags : byte
{
    /// <summary>No recognised version.</summary>
    None = 0,

    /// <summary>TLS 1.0 (0x0301).</summary>
    Tls10 = 1,

    /// <summary>TLS 1.1 (0x0302).</summary>
    Tls11 = 2,

    /// <summary>TLS 1.2 (0x0303).</summary>
    Tls12 = 4,

    /// <summary>TLS 1.3 (0x0304).</summary>
    Tls13 = 8,
}
