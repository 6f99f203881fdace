namespace Terminator.Certificates;

/// <summary>
/// A material source that can write an entry's <see cref="CertificateEntry.Source"/> from the entry itself (the store:
/// its directory plus an id made of the entry's names, key family and a 32-bit tag), so that a million store entries hold
/// no path string each. The entry keeps the tag; the path is written on demand, into a caller's buffer where it is only
/// compared or hashed (the watcher's table, the map's tie-breaks) and into a string only for logs and file reads.
/// </summary>
internal interface ICertificateSourceNaming : ICertificateMaterialSource
{
    /// <summary>Writes <paramref name="entry"/>'s source path into <paramref name="destination"/>; returns the number of
    /// characters written, or -1 when it does not fit.</summary>
    int WriteSource(CertificateEntry entry, uint tag, Span<char> destination);
}
