using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Terminator.Certificates;
using Terminator.Configuration;

namespace Terminator.Storage;

/// <summary>
/// The store index: one append-only file, <c>&lt;dir&gt;/.terminator-index</c>, with a record per entry written, so the
/// daemon starts without reading a million entry files. A cache, never the authority: the directory listing says which
/// entries exist, a record is used only while its entry file's size, mtime, ctime and inode still match, and the entry
/// is authenticated (AES-GCM) from its file when it is materialised, as before.
/// <code>
/// File: "TRMINDEX" | u16 version (1) | 16-byte key check
/// Record: u32 body length B | body | 16-byte tag = HMAC-SHA256(index key, length + body), truncated
/// Body: u16+id | i64 size | i64 mtime ticks | i64 ctime ticks | u64 inode | i64 not-before | i64 not-after (Unix ms)
///       | u16+key type | u16 name count, then u16+name each          (integers big-endian, strings UTF-8)
/// </code>
/// The index key is derived from the store key (HKDF-SHA256), so only a holder of the store key can write a record
/// the daemon accepts, and an index written under another key is recognised by its key check and ignored. Each record
/// stands alone: a torn or corrupt record ends the readable part (what follows it is re-read from the entry files and
/// the daemon rewrites the index), and nothing in the index can make an entry that fails authentication be served.
/// </summary>
internal sealed class StoreIndexFile
{
    /// <summary>Hidden (leading '.'), so entry listings and the watcher ignore it.</summary>
    public const string FileName = ".terminator-index";

    public const ushort Version = 1;
    private const int TagSize = 16;
    private const int HeaderSize = 8 + 2 + TagSize;
    private const int MaxBodySize = 128 * 1024; // 100 names of 253 bytes and an id are ~26 KB; bounds a corrupt length
    private const int ReadBufferSize = 1 << 20;
    private static ReadOnlySpan<byte> Magic => "TRMINDEX"u8;
    private static ReadOnlySpan<byte> KeyCheckLabel => "terminator store index key check"u8;

    private readonly byte[] _macKey;

    public StoreIndexFile(string directory, StoreKey key)
    {
        Path = System.IO.Path.Combine(directory, FileName);
        _macKey = GC.AllocateArray<byte>(32, pinned: true);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Bytes, _macKey, salt: default, info: "terminator store index v1"u8);
    }

    /// <summary>The index file.</summary>
    public string Path { get; }

    /// <summary>What one <see cref="Read"/> found.</summary>
    /// <param name="End">Offset just past the last whole, authentic record (where the next read starts).</param>
    /// <param name="Records">Records read (later ones for the same id replaced earlier ones).</param>
    /// <param name="Missing">No index file, or one too short to hold its header.</param>
    /// <param name="Foreign">The header is another format or another key's: nothing was read.</param>
    /// <param name="Corrupt">A whole record failed its tag or did not parse: reading stopped there.</param>
    /// <param name="Incomplete">The file ends inside a record (a torn write, or one still being written).</param>
    internal readonly record struct ReadResult(long End, int Records, bool Missing, bool Foreign, bool Corrupt, bool Incomplete)
    {
        /// <summary>True when the index should be rewritten from the entries (missing, foreign, damaged).</summary>
        public bool Damaged => Missing || Foreign || Corrupt || Incomplete;
    }

    /// <summary>Reads the records from <paramref name="from"/> (0: the whole file, header included) into
    /// <paramref name="into"/>. Never throws for content; an unreadable file reads as missing.</summary>
    public ReadResult Read(long from, Dictionary<string, StoreIndexRecord> into)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ReadResult(0, 0, Missing: true, Foreign: false, Corrupt: false, Incomplete: false);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            using (stream)
            {
                return ReadRecords(stream, from, into, ref buffer);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ReadResult(from, 0, Missing: from == 0, Foreign: false, Corrupt: false, Incomplete: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ReadResult ReadRecords(FileStream stream, long from, Dictionary<string, StoreIndexRecord> into, ref byte[] buffer)
    {
        if (from == 0)
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            if (stream.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
            {
                return new ReadResult(0, 0, Missing: true, Foreign: false, Corrupt: false, Incomplete: false);
            }

            if (!header[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt16BigEndian(header[8..]) != Version
                || !CryptographicOperations.FixedTimeEquals(header[10..], KeyCheck()))
            {
                return new ReadResult(0, 0, Missing: false, Foreign: true, Corrupt: false, Incomplete: false);
            }

            from = HeaderSize;
        }
        else
        {
            stream.Position = from;
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _macKey);
        Span<byte> tag = stackalloc byte[32];
        long end = from;
        int count = 0, filled = 0, at = 0;
        while (true)
        {
            // Whole records in the buffer are parsed in place; a partial one is moved to the front and topped up.
            int available = filled - at;
            int needed = 4;
            if (available >= 4)
            {
                int bodyLength = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(at));
                if (bodyLength <= 0 || bodyLength > MaxBodySize)
                {
                    return new ReadResult(end, count, false, false, Corrupt: true, Incomplete: false);
                }

                needed = 4 + bodyLength + TagSize;
                if (available >= needed)
                {
                    ReadOnlySpan<byte> signed = buffer.AsSpan(at, 4 + bodyLength);
                    hmac.AppendData(signed);
                    hmac.GetHashAndReset(tag);
                    if (!CryptographicOperations.FixedTimeEquals(tag[..TagSize], buffer.AsSpan(at + 4 + bodyLength, TagSize))
                        || !TryDecode(signed[4..], out StoreIndexRecord record))
                    {
                        return new ReadResult(end, count, false, false, Corrupt: true, Incomplete: false);
                    }

                    into[record.Id] = record;
                    count++;
                    at += needed;
                    end += needed;
                    continue;
                }
            }

            Buffer.BlockCopy(buffer, at, buffer, 0, available);
            filled = available;
            at = 0;
            if (needed > buffer.Length)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(needed);
                Buffer.BlockCopy(buffer, 0, larger, 0, filled);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            int read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
            {
                return new ReadResult(end, count, false, false, Corrupt: false, Incomplete: available > 0);
            }

            filled += read;
        }
    }

    /// <summary>One record, framed and tagged, ready to append.</summary>
    public byte[] Encode(StoreIndexRecord record)
    {
        var body = new ArrayBufferWriter<byte>(256);
        body.Write(stackalloc byte[4]); // length, filled in below
        WriteString(body, record.Id);
        Span<byte> numbers = stackalloc byte[48];
        BinaryPrimitives.WriteInt64BigEndian(numbers, record.File.Length);
        BinaryPrimitives.WriteInt64BigEndian(numbers[8..], record.File.ModifiedTicks);
        BinaryPrimitives.WriteInt64BigEndian(numbers[16..], record.File.ChangedTicks);
        BinaryPrimitives.WriteUInt64BigEndian(numbers[24..], record.File.Inode);
        BinaryPrimitives.WriteInt64BigEndian(numbers[32..], record.NotBeforeUnixMs);
        BinaryPrimitives.WriteInt64BigEndian(numbers[40..], record.NotAfterUnixMs);
        body.Write(numbers);
        WriteString(body, record.KeyType);
        Span<byte> count = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(count, checked((ushort)record.Names.Length));
        body.Write(count);
        foreach (string name in record.Names)
        {
            WriteString(body, name);
        }

        var framed = new byte[body.WrittenCount + TagSize];
        body.WrittenSpan.CopyTo(framed);
        BinaryPrimitives.WriteInt32BigEndian(framed, body.WrittenCount - 4);
        Span<byte> tag = stackalloc byte[32];
        HMACSHA256.HashData(_macKey, framed.AsSpan(0, body.WrittenCount), tag);
        tag[..TagSize].CopyTo(framed.AsSpan(body.WrittenCount));
        return framed;
    }

    /// <summary>Appends encoded records with one <c>write(2)</c> on an <c>O_APPEND</c> descriptor (so writers sharing
    /// the index, the CLI and the daemon, never overwrite each other), then fsyncs. Creates the file, with its header,
    /// when missing.</summary>
    /// <exception cref="IOException">The index cannot be written (the caller carries on: it is a cache).</exception>
    public void Append(IReadOnlyList<byte[]> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        const int Flags = 0x1 | 0x40 | 0x400 | 0x80000; // O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC (x86-64 and arm64)
        int descriptor = open(Path, Flags, 0x180 /* 0600 */);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open the store index '{Path}' (errno {Marshal.GetLastPInvokeError()})");
        }

        using var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        bool created = RandomAccess.GetLength(handle) == 0;
        if (created)
        {
            FileOwnership.MatchDirectory(handle, System.IO.Path.GetDirectoryName(Path)!);
        }

        int total = (created ? HeaderSize : 0);
        foreach (byte[] record in records)
        {
            total += record.Length;
        }

        byte[] data = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            int at = 0;
            if (created)
            {
                WriteHeader(data);
                at = HeaderSize;
            }

            foreach (byte[] record in records)
            {
                record.CopyTo(data, at);
                at += record.Length;
            }

            // One write: a crash leaves a prefix of it, which the reader drops as a torn tail.
            nint written = write(handle, data, total);
            if (written != total)
            {
                throw new IOException($"short write to the store index '{Path}' (errno {Marshal.GetLastPInvokeError()})");
            }

            RandomAccess.FlushToDisk(handle);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    /// <summary>Replaces the index with exactly <paramref name="records"/> (write-then-rename: a crash leaves the old
    /// index or the new one).</summary>
    /// <exception cref="IOException">The index cannot be written.</exception>
    public void Rewrite(IReadOnlyList<byte[]> records) => AtomicFile.Write(Path, stream =>
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        WriteHeader(header);
        stream.Write(header);
        foreach (byte[] record in records)
        {
            stream.Write(record); // FileStream buffers; AtomicFile flushes and fsyncs
        }
    });

    private void WriteHeader(Span<byte> header)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], Version);
        KeyCheck().CopyTo(header[10..]);
    }

    private byte[] KeyCheck() => HMACSHA256.HashData(_macKey, KeyCheckLabel)[..TagSize];

    private static bool TryDecode(ReadOnlySpan<byte> body, out StoreIndexRecord record)
    {
        record = default;
        if (!TryString(ref body, out string? id) || body.Length < 48 + 2)
        {
            return false;
        }

        var file = new FileVersion(
            BinaryPrimitives.ReadInt64BigEndian(body),
            BinaryPrimitives.ReadInt64BigEndian(body[8..]),
            BinaryPrimitives.ReadInt64BigEndian(body[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(body[24..]));
        long notBefore = BinaryPrimitives.ReadInt64BigEndian(body[32..]);
        long notAfter = BinaryPrimitives.ReadInt64BigEndian(body[40..]);
        body = body[48..];
        if (!TryKeyType(ref body, out string? keyType) || body.Length < 2)
        {
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16BigEndian(body);
        body = body[2..];
        var names = new string[count];
        for (int i = 0; i < count; i++)
        {
            if (!TryString(ref body, out string? name))
            {
                return false;
            }

            names[i] = name;
        }

        if (!body.IsEmpty || count == 0 || !CertificateStoreId.IsValid(id))
        {
            return false;
        }

        record = new StoreIndexRecord(id, file, names, notBefore, notAfter, keyType);
        return true;
    }

    private static bool TryString(ref ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = null;
        if (data.Length < 2)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (data.Length < 2 + length)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(data.Slice(2, length));
        data = data[(2 + length)..];
        return true;
    }

    /// <summary><see cref="TryString"/> for the key type, one of a handful: the known ones are not allocated again for
    /// every record.</summary>
    private static bool TryKeyType(ref ReadOnlySpan<byte> data, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        if (data.Length >= 2)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(data);
            if (data.Length >= 2 + length && StoreKeyTypes.TryMatch(data.Slice(2, length), out value))
            {
                data = data[(2 + length)..];
                return true;
            }
        }

        return TryString(ref data, out value);
    }

    private static void WriteString(ArrayBufferWriter<byte> writer, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> prefix = writer.GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16BigEndian(prefix, checked((ushort)length));
        Encoding.UTF8.GetBytes(value, prefix[2..]);
        writer.Advance(2 + length);
    }

#pragma warning disable SYSLIB1054, CA2101 // LibraryImport needs AllowUnsafeBlocks, off for this assembly; the string is marshalled as UTF-8 explicitly
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint write(SafeFileHandle descriptor, byte[] buffer, nint count);
#pragma warning restore SYSLIB1054, CA2101
}
