using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Terminator.Storage;

namespace Terminator.Domains;

/// <summary>
/// One journal file, <c>journal-&lt;generation&gt;</c>: the header, then one frame per change, appended with pwrite(2) at
/// the tracked end, so a write that failed half-way (disk full) is overwritten by the next one rather than followed by
/// it. Durability is the caller's: <see cref="FlushToDisk"/> is one fsync(2) for every frame appended before it (group
/// commit). Not thread-safe: the registry serialises appends under its lock.
/// </summary>
internal sealed class DomainJournal : IDisposable
{
    private const string Prefix = "journal-";

    private readonly SafeFileHandle _handle;

    private DomainJournal(string path, long generation, SafeFileHandle handle, long length)
    {
        Path = path;
        Generation = generation;
        _handle = handle;
        Length = length;
    }

    public string Path { get; }

    /// <summary>Journals are replayed in generation order, after the snapshot of the same generation.</summary>
    public long Generation { get; }

    /// <summary>Where the next frame goes.</summary>
    public long Length { get; private set; }

    public static string FileName(long generation) => Prefix + generation.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseGeneration(string fileName, out long generation)
    {
        generation = 0;
        return fileName.StartsWith(Prefix, StringComparison.Ordinal)
            && fileName.AsSpan(Prefix.Length).IndexOfAnyExceptInRange('0', '9') < 0
            && long.TryParse(fileName.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out generation);
    }

    /// <summary>
    /// Creates an empty journal atomically (<see cref="AtomicFile"/>: the file appears whole, with its header, or not at
    /// all, and the directory entry is synced), replacing a file of that name.
    /// </summary>
    public static DomainJournal Create(string directory, long generation)
    {
        string path = System.IO.Path.Combine(directory, FileName(generation));
        Span<byte> header = stackalloc byte[DomainRecordFormat.HeaderLength];
        DomainRecordFormat.WriteHeader(header, DomainRecordFormat.JournalMagic, generation, count: 0);
        AtomicFile.Write(path, header);
        return Open(path, generation, DomainRecordFormat.HeaderLength);
    }

    /// <summary>Opens an existing journal to append after its last good frame; anything after <paramref name="validLength"/> is cut off.</summary>
    public static DomainJournal Open(string path, long generation, long validLength)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (RandomAccess.GetLength(handle) != validLength)
            {
                RandomAccess.SetLength(handle, validLength);
                RandomAccess.FlushToDisk(handle);
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new DomainJournal(path, generation, handle, validLength);
    }

    /// <summary>Writes <paramref name="frame"/> at the end (page cache only until <see cref="FlushToDisk"/>).</summary>
    public void Append(ReadOnlySpan<byte> frame)
    {
        RandomAccess.Write(_handle, frame, Length);
        Length += frame.Length;
    }

    /// <summary>fsync(2): every frame appended so far survives a crash or power cut once this returns.</summary>
    public void FlushToDisk() => RandomAccess.FlushToDisk(_handle);

    public void Dispose() => _handle.Dispose();
}
